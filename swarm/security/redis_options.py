"""How to connect to Redis securely: AUTH/ACL credentials and TLS, from the settings.

The bus's connection factory calls::

    options = redis_connection_kwargs(settings)
    client = redis.asyncio.Redis.from_url(**options)        # or RedisCluster.from_url

``options["url"]`` never holds a password: credentials travel as ``username`` /
``password`` keywords (redis-py lets a URL's own credentials win over keywords, so they are
moved out of it). ``rediss://`` turns TLS on; ``SWARM_REDIS_TLS_*`` files add a CA and a
client certificate. :func:`ping_redis` checks a connection and turns refused credentials
and failed TLS handshakes into a :class:`~swarm.errors.ConfigError` that says what to fix,
with no password in it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

import redis.asyncio
import redis.exceptions

from swarm.errors import ConfigError
from swarm.security.redaction import redact_text, redact_url

if TYPE_CHECKING:
    from swarm.settings import Settings

__all__ = ["ping_redis", "redis_connection_kwargs"]

_SCHEMES = ("redis", "rediss", "unix")
_TLS_FILES = (
    ("redis_tls_ca_file", "ssl_ca_certs"),
    ("redis_tls_cert_file", "ssl_certfile"),
    ("redis_tls_key_file", "ssl_keyfile"),
)


def _env_name(field: str) -> str:
    return f"SWARM_{field.upper()}"


def redis_connection_kwargs(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Redis.from_url(**kwargs)``: ``url`` (without credentials),
    ``username`` / ``password`` (settings win over the URL's), and TLS options for
    ``rediss://``.

    Raises :class:`ConfigError` for an unset or unsupported URL, TLS files with a plain
    ``redis://`` URL, a key without its certificate, or a file that does not exist.
    """
    if not settings.redis_url:
        raise ConfigError(
            "SWARM_REDIS_URL is not set; set it to redis://[user:password@]host:6379/0 "
            "(rediss:// for TLS), or let `swarm up` run an embedded Valkey"
        )
    try:
        parts = urlsplit(settings.redis_url)
        port = parts.port  # validates it
    except ValueError:
        raise ConfigError(
            f"cannot parse SWARM_REDIS_URL {redact_text(settings.redis_url)!r}; "
            "use redis://[user:password@]host:6379/0 or rediss://... for TLS"
        ) from None
    if parts.scheme not in _SCHEMES:
        raise ConfigError(
            f"SWARM_REDIS_URL {redact_url(settings.redis_url)!r} has scheme {parts.scheme!r}; "
            "use redis://, rediss:// (TLS) or unix://"
        )
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    kwargs: dict[str, Any] = {
        "url": urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    }
    username = settings.redis_username or (unquote(parts.username) if parts.username else None)
    password = (
        settings.redis_password.get_secret_value()
        if settings.redis_password is not None
        else (unquote(parts.password) if parts.password is not None else None)
    )
    if username:
        kwargs["username"] = username
    if password is not None:
        kwargs["password"] = password
    kwargs.update(_tls_kwargs(settings, tls=parts.scheme == "rediss"))
    return kwargs


def _tls_kwargs(settings: Settings, *, tls: bool) -> dict[str, Any]:
    files: dict[str, Path] = {
        field: path for field, _ in _TLS_FILES if (path := getattr(settings, field)) is not None
    }
    if not tls:
        if files:
            names = ", ".join(_env_name(f) for f in files)
            raise ConfigError(
                f"{names} set, but SWARM_REDIS_URL is not a rediss:// URL; use rediss:// to "
                "connect with TLS, or unset them"
            )
        return {}
    if "redis_tls_key_file" in files and "redis_tls_cert_file" not in files:
        raise ConfigError(
            "SWARM_REDIS_TLS_KEY_FILE is set without SWARM_REDIS_TLS_CERT_FILE; set the client "
            "certificate too, or unset the key"
        )
    for field, path in files.items():
        if not path.is_file():
            raise ConfigError(
                f"{_env_name(field)}={path}: no such file; check the path (relative to "
                f"{Path.cwd()})"
            )
    kwargs: dict[str, Any] = {
        "ssl_cert_reqs": "required",
        "ssl_check_hostname": settings.redis_tls_check_hostname,
    }
    for field, keyword in _TLS_FILES:
        if field in files:
            kwargs[keyword] = str(files[field])
    return kwargs


async def ping_redis(kwargs: dict[str, Any], *, timeout_s: float = 5.0) -> None:
    """Connect with ``kwargs`` (from :func:`redis_connection_kwargs`) and PING.

    Refused credentials and failed TLS handshakes raise :class:`ConfigError` naming the
    server (password masked) and what to check; other connection failures propagate as
    redis-py raised them (they carry no password).
    """
    url = redact_url(str(kwargs.get("url", "")))
    user = kwargs.get("username") or "default"
    client = redis.asyncio.Redis.from_url(
        **kwargs, socket_connect_timeout=timeout_s, socket_timeout=timeout_s
    )
    try:
        await client.ping()
    except redis.exceptions.AuthenticationError as exc:
        if kwargs.get("password") is None:
            raise _auth_required(url, exc, kwargs) from None
        raise ConfigError(
            f"Redis at {url} refused the credentials of user {user!r} "
            f"({_reason(exc, kwargs)}); check the user and password in SWARM_REDIS_URL "
            "(or SWARM_REDIS_USERNAME / SWARM_REDIS_PASSWORD)"
        ) from None
    except redis.exceptions.ResponseError as exc:
        if not str(exc).startswith("NOAUTH"):
            raise
        raise _auth_required(url, exc, kwargs) from None
    except redis.exceptions.ConnectionError as exc:
        text = str(exc)
        if "SSL" not in text and "certificate" not in text.lower():
            raise
        raise ConfigError(
            f"TLS handshake with Redis at {url} failed ({_reason(exc, kwargs)}); check "
            "SWARM_REDIS_TLS_CA_FILE (the CA that signed the server's certificate), the client "
            "certificate files, and that the server speaks TLS on this port"
        ) from None
    finally:
        await client.aclose()


def _auth_required(url: str, exc: BaseException, kwargs: dict[str, Any]) -> ConfigError:
    return ConfigError(
        f"Redis at {url} requires authentication ({_reason(exc, kwargs)}); put the user "
        "and password in SWARM_REDIS_URL (redis://user:password@host:port/db) or set "
        "SWARM_REDIS_USERNAME / SWARM_REDIS_PASSWORD"
    )


def _reason(exc: BaseException, kwargs: dict[str, Any]) -> str:
    text = str(exc).strip().rstrip(".")
    password = kwargs.get("password")
    if isinstance(password, str) and password:
        text = text.replace(password, "***")
    return redact_text(text)

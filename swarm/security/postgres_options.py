"""PostgreSQL credentials and SSL modes from the settings, folded into the store URL.

libpq reads ``sslmode`` and ``sslrootcert`` from the URL's query (``?sslmode=verify-full&
sslrootcert=/etc/ca.pem``), so a URL alone can say it all. In Kubernetes the URL often
lives in a ConfigMap and the password in a Secret: ``SWARM_DATABASE_PASSWORD``,
``SWARM_DATABASE_SSLMODE`` and ``SWARM_DATABASE_SSLROOTCERT`` override the URL's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from swarm.errors import ConfigError
from swarm.security.redaction import redact_text

if TYPE_CHECKING:
    from swarm.settings import Settings

__all__ = ["database_url"]


def database_url(settings: Settings) -> str | None:
    """``settings.database_url`` with the password, ``sslmode`` and ``sslrootcert`` settings
    applied (``None`` when no URL is set: `swarm up` runs an embedded PostgreSQL).

    Raises :class:`ConfigError` for SSL settings on a SQLite URL or a missing CA file.
    """
    raw = settings.database_url
    if raw is None:
        return None
    overrides = {
        "sslmode": settings.database_sslmode,
        "sslrootcert": settings.database_sslrootcert,
    }
    if settings.database_password is None and all(v is None for v in overrides.values()):
        return raw
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"cannot parse SWARM_DATABASE_URL {redact_text(raw)!r}; use "
            "postgresql+psycopg://user:password@host:5432/db"
        ) from None
    if not url.drivername.startswith("postgres"):
        raise ConfigError(
            "SWARM_DATABASE_PASSWORD / SWARM_DATABASE_SSLMODE / SWARM_DATABASE_SSLROOTCERT "
            f"apply to PostgreSQL, but SWARM_DATABASE_URL is {url.drivername}://...; unset them"
        )
    root = settings.database_sslrootcert
    if root is not None and not root.is_file():
        raise ConfigError(f"SWARM_DATABASE_SSLROOTCERT={root}: no such file; check the path")
    if settings.database_password is not None:
        url = url.set(password=settings.database_password.get_secret_value())
    query = {k: str(v) for k, v in overrides.items() if v is not None}
    if query:
        url = url.update_query_dict(query)
    return url.render_as_string(hide_password=False)

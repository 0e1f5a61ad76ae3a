"""Redis AUTH, ACL users and TLS through the settings, against private redis-servers.

Each server is started by the test module on a free loopback port (the shared Redis has no
password and must not be reconfigured).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio

from swarm.errors import ConfigError
from swarm.security import ping_redis, redis_connection_kwargs
from swarm.settings import Settings
from tests.support.secure_redis import TlsFiles, free_port, make_tls_files, redis_server

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

ROOT_PASSWORD = "root-" + uuid.uuid4().hex
ALICE_PASSWORD = "alice-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def auth_port() -> Iterator[int]:
    """A redis-server with requirepass and an ACL user alice limited to keys app:*."""
    with redis_server(
        "--requirepass",
        ROOT_PASSWORD,
        "--user",
        "alice",
        "on",
        f">{ALICE_PASSWORD}",
        "~app:*",
        "+@all",
    ) as port:
        yield port


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_port(tls: TlsFiles) -> Iterator[int]:
    """A TLS-only redis-server (requirepass too) that requires client certificates."""
    with redis_server(
        "--port",
        "0",
        "--tls-port",
        str(port := free_port()),
        "--tls-cert-file",
        str(tls.server_cert),
        "--tls-key-file",
        str(tls.server_key),
        "--tls-ca-cert-file",
        str(tls.ca),
        "--tls-auth-clients",
        "yes",
        "--requirepass",
        ROOT_PASSWORD,
        port=port,
    ) as listening:
        yield listening


async def roundtrip(settings: Settings, key: str) -> bytes | None:
    client = redis.asyncio.Redis.from_url(**redis_connection_kwargs(settings))
    try:
        await client.set(key, "v")
        return await client.get(key)
    finally:
        await client.aclose()


async def test_requirepass_accepts_the_urls_password(auth_port: int) -> None:
    """redis://:password@ authenticates as the default user; commands then work."""
    settings = Settings(redis_url=f"redis://:{ROOT_PASSWORD}@127.0.0.1:{auth_port}/0")
    await ping_redis(redis_connection_kwargs(settings))
    assert await roundtrip(settings, "k1") == b"v"


async def test_an_acl_user_authenticates_with_the_urls_credentials(auth_port: int) -> None:
    """redis://alice:password@ authenticates as alice, whose ACL limits her to app:* keys."""
    settings = Settings(redis_url=f"redis://alice:{ALICE_PASSWORD}@127.0.0.1:{auth_port}/0")
    assert await roundtrip(settings, "app:k") == b"v"
    with pytest.raises(redis.exceptions.NoPermissionError):
        await roundtrip(settings, "other:k")


async def test_username_and_password_settings_override_the_url(auth_port: int) -> None:
    """SWARM_REDIS_USERNAME / SWARM_REDIS_PASSWORD win over a URL with wrong credentials."""
    settings = Settings(
        redis_url=f"redis://bob:wrong@127.0.0.1:{auth_port}/0",
        redis_username="alice",
        redis_password=ALICE_PASSWORD,
    )
    assert await roundtrip(settings, "app:k2") == b"v"


async def test_a_wrong_password_is_a_clear_error_without_the_password(
    auth_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong password raises ConfigError naming user and server; neither the wrong nor the
    right password is in the message or in a logged traceback."""
    wrong = "wrong-" + uuid.uuid4().hex
    settings = Settings(redis_url=f"redis://alice:{wrong}@127.0.0.1:{auth_port}/0")
    with pytest.raises(ConfigError) as caught:
        await ping_redis(redis_connection_kwargs(settings))
    message = str(caught.value)
    assert f"Redis at redis://127.0.0.1:{auth_port}/0 refused the credentials of user 'alice'" in (
        message
    )
    assert "SWARM_REDIS_URL" in message
    logging.getLogger("swarm.test").error("bus failed", exc_info=caught.value)
    for secret in (wrong, ALICE_PASSWORD, ROOT_PASSWORD):
        assert secret not in message
        assert secret not in caplog.text


async def test_no_password_says_authentication_is_required(auth_port: int) -> None:
    """A URL without credentials gets ConfigError saying where to put them."""
    settings = Settings(redis_url=f"redis://127.0.0.1:{auth_port}/0")
    with pytest.raises(ConfigError, match="requires authentication"):
        await ping_redis(redis_connection_kwargs(settings))


async def test_rediss_with_the_ca_and_a_client_certificate_connects(
    tls: TlsFiles, tls_port: int
) -> None:
    """rediss:// with SWARM_REDIS_TLS_CA_FILE and a client certificate talks TLS to Redis."""
    settings = Settings(
        redis_url=f"rediss://:{ROOT_PASSWORD}@127.0.0.1:{tls_port}/0",
        redis_tls_ca_file=tls.ca,
        redis_tls_cert_file=tls.client_cert,
        redis_tls_key_file=tls.client_key,
    )
    await ping_redis(redis_connection_kwargs(settings))
    assert await roundtrip(settings, "tls") == b"v"


async def test_rediss_without_the_ca_fails_the_handshake_clearly(
    tls: TlsFiles, tls_port: int
) -> None:
    """The system CAs do not trust the test CA: ConfigError names the TLS settings to check."""
    settings = Settings(
        redis_url=f"rediss://:{ROOT_PASSWORD}@127.0.0.1:{tls_port}/0",
        redis_tls_cert_file=tls.client_cert,
        redis_tls_key_file=tls.client_key,
    )
    with pytest.raises(ConfigError, match="TLS handshake with Redis") as caught:
        await ping_redis(redis_connection_kwargs(settings))
    assert "SWARM_REDIS_TLS_CA_FILE" in str(caught.value)
    assert ROOT_PASSWORD not in str(caught.value)


async def test_plain_redis_url_against_the_tls_port_does_not_connect(tls_port: int) -> None:
    """redis:// (no TLS) to a TLS port fails: TLS is only on when the URL says rediss://."""
    settings = Settings(redis_url=f"redis://:{ROOT_PASSWORD}@127.0.0.1:{tls_port}/0")
    with pytest.raises(redis.exceptions.ConnectionError):
        await ping_redis(redis_connection_kwargs(settings), timeout_s=1.0)


def test_tls_files_with_a_plain_url_are_a_config_error(tmp_path: Path) -> None:
    """SWARM_REDIS_TLS_CA_FILE with redis:// is refused, naming both settings."""
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    settings = Settings(redis_url="redis://127.0.0.1:6379/0", redis_tls_ca_file=ca)
    with pytest.raises(ConfigError, match="SWARM_REDIS_TLS_CA_FILE set, but SWARM_REDIS_URL"):
        redis_connection_kwargs(settings)


async def test_processes_connect_with_the_password_setting(auth_port: int) -> None:
    """connect_settings (workers, coordinators, gateway) applies SWARM_REDIS_PASSWORD."""
    from swarm.bus import connect_settings

    settings = Settings(redis_url=f"redis://127.0.0.1:{auth_port}/0", redis_password=ROOT_PASSWORD)
    client = connect_settings(settings)
    try:
        assert await client.ping() is True
    finally:
        await client.aclose()

"""PostgreSQL credentials and SSL modes from the settings, against the real server."""

from __future__ import annotations

import logging
import uuid

import pytest

from swarm.errors import ConfigError, StoreConnectionError
from swarm.memory import RetryPolicy, create_store
from swarm.security import database_url
from swarm.settings import Settings
from tests.support.redis_server import free_port

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

FAST = RetryPolicy(attempts=2, initial_s=0.01, max_s=0.02)


async def test_sslmode_disable_from_settings_connects(postgres_url: str) -> None:
    """SWARM_DATABASE_SSLMODE=disable reaches libpq and the store connects."""
    url = database_url(Settings(database_url=postgres_url, database_sslmode="disable"))
    assert url is not None
    assert url.endswith("?sslmode=disable")
    store = create_store(url, retry=FAST)
    try:
        await store.ping()
    finally:
        await store.close()


async def test_sslmode_require_against_a_server_without_ssl_is_refused(postgres_url: str) -> None:
    """sslmode=require is enforced: the test server has ssl=off, so the connection fails with
    a StoreConnectionError that says SSL."""
    url = database_url(Settings(database_url=postgres_url, database_sslmode="require"))
    assert url is not None
    store = create_store(url, retry=FAST)
    try:
        with pytest.raises(StoreConnectionError, match="SSL"):
            await store.ping()
    finally:
        await store.close()


async def test_a_password_from_settings_never_reaches_errors_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed connection with SWARM_DATABASE_PASSWORD set: neither the error nor the
    store's retry warnings nor a logged traceback show the password."""
    password = "pg-" + uuid.uuid4().hex
    settings = Settings(
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test",
        database_password=password,
    )
    url = database_url(settings)
    assert url is not None
    assert password in url  # the driver needs it
    caplog.set_level(logging.DEBUG)
    store = create_store(url, retry=FAST)
    try:
        with pytest.raises(StoreConnectionError) as caught:
            await store.ping()
    finally:
        await store.close()
    logging.getLogger("swarm.test").error("store down", exc_info=caught.value)
    assert "cannot reach the memory store at postgresql+psycopg://postgres:***@" in str(
        caught.value
    )
    assert password not in str(caught.value)
    assert "store down" in caplog.text
    assert password not in caplog.text


def test_ssl_settings_on_a_sqlite_url_are_a_config_error() -> None:
    """SWARM_DATABASE_SSLMODE with a SQLite URL is refused rather than ignored."""
    settings = Settings(database_url="sqlite+aiosqlite:///x.db", database_sslmode="require")
    with pytest.raises(ConfigError, match="apply to PostgreSQL"):
        database_url(settings)

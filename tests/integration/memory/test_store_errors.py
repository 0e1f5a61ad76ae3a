"""Bad URLs and unreachable servers give clear errors that never show the password."""

from __future__ import annotations

import socket

import pytest

from swarm.errors import ConfigError, StoreConnectionError
from swarm.memory import RetryPolicy, create_store

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

FAST = RetryPolicy(attempts=2, initial_s=0.01, max_s=0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_server_raises_store_connection_error_without_password() -> None:
    """Nothing listening: StoreConnectionError naming the host, with the password hidden."""
    url = f"postgresql+psycopg://swarm:s3cret-pw@127.0.0.1:{free_port()}/db"
    store = create_store(url, retry=FAST)
    with pytest.raises(StoreConnectionError) as info:
        await store.init()
    assert "127.0.0.1" in str(info.value)
    assert "s3cret-pw" not in str(info.value)
    assert "s3cret-pw" not in repr(info.value.__cause__)
    await store.close()


async def test_bad_credentials_fail_at_once_without_password(postgres_url: str) -> None:
    """A database that does not exist is a permanent error: StoreConnectionError, no secret."""
    url = postgres_url.replace("postgres@", "postgres:hunter2-pw@").rsplit("/", 1)[0]
    store = create_store(url + "/no_such_db_swarm", retry=FAST)
    with pytest.raises(StoreConnectionError, match="no_such_db_swarm") as info:
        await store.ping()
    assert "hunter2-pw" not in str(info.value)
    await store.close()


def test_unsupported_scheme_is_a_config_error() -> None:
    """A mysql:// URL is refused at create_store with the accepted forms, password hidden."""
    with pytest.raises(ConfigError, match=r"postgresql\+psycopg") as info:
        create_store("mysql://root:topsecret@host/db")
    assert "topsecret" not in str(info.value)


def test_schema_must_be_an_identifier() -> None:
    """A schema name that is not a plain identifier is refused (it goes into SQL)."""
    with pytest.raises(ConfigError, match="plain identifier"):
        create_store("postgresql+psycopg://u@h/db", schema="x; drop table y")

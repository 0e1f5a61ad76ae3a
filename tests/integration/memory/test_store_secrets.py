"""Character secrets in agent records: encrypted at rest with a key, dropped without one.

Each test reads the raw rows (SQLite file and table, PostgreSQL table) and looks for the
secret value itself.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import psycopg
import pytest

from swarm.errors import SecretsError
from swarm.memory import AgentRecord, MemoryStore, create_store
from swarm.security import generate_secrets_key
from tests.support.memory import libpq_url

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

DIMENSION = 8
TOP_SECRET = "sk-top-" + uuid.uuid4().hex
NESTED_SECRET = "xoxb-nested-" + uuid.uuid4().hex

StoreFactory = Callable[[str | None], MemoryStore]


def agent_with_secrets() -> AgentRecord:
    return AgentRecord(
        id=str(uuid.uuid4()),
        name="eliza",
        data={
            "bio": ["hi"],
            "secrets": {"OPENAI_API_KEY": TOP_SECRET, "RETRIES": 3},
            "settings": {"model": "gpt", "secrets": {"SLACK_TOKEN": NESTED_SECRET}},
        },
    )


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str, pg_schema: str
) -> AsyncIterator[tuple[StoreFactory, Callable[[], str]]]:
    """A store factory (given a key or None) over one database, and a raw dump of its rows."""
    stores: list[MemoryStore] = []
    sqlite_path = tmp_path / "store.db"

    def make(key: str | None) -> MemoryStore:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{sqlite_path}"
            store = create_store(url, embedding_dimension=DIMENSION, secrets_key=key)
        else:
            store = create_store(
                postgres_url,
                embedding_dimension=DIMENSION,
                schema=pg_schema,
                pool_size=2,
                secrets_key=key,
            )
        stores.append(store)
        return store

    def raw() -> str:
        if request.param == "sqlite":
            with sqlite3.connect(sqlite_path) as conn:
                conn.execute("PRAGMA wal_checkpoint(FULL)")
                rows = conn.execute("SELECT * FROM agents").fetchall()
            files = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))
            return repr(rows) + files.decode("latin-1")
        with psycopg.connect(libpq_url(postgres_url)) as conn:
            rows = conn.execute(f'SELECT t::text FROM "{pg_schema}".agents t').fetchall()
        return repr(rows)

    yield make, raw
    for store in stores:
        if request.param == "postgresql" and not store._closed:
            await store._execute("DELETE FROM agents")
        await store.close()


async def test_with_a_key_secrets_are_encrypted_at_rest_and_read_back(
    backend: tuple[StoreFactory, Callable[[], str]],
) -> None:
    """With a key, neither secret value is in the raw rows, and get_agent returns both."""
    make, raw = backend
    store = make(generate_secrets_key())
    await store.init()
    agent = agent_with_secrets()
    assert await store.create_agent(agent) is True
    dump = raw()
    assert "eliza" in dump  # the dump does show the row
    assert TOP_SECRET not in dump
    assert NESTED_SECRET not in dump
    assert "$fernet" in dump
    got = await store.get_agent(agent.id)
    assert got is not None
    assert got.data == agent.data
    assert [a.data for a in await store.get_agents()] == [agent.data]


async def test_update_agent_encrypts_new_secrets(
    backend: tuple[StoreFactory, Callable[[], str]],
) -> None:
    """update_agent(data=...) seals the new secrets too, and they read back in clear."""
    make, raw = backend
    store = make(generate_secrets_key())
    await store.init()
    agent = AgentRecord(id=str(uuid.uuid4()), name="eliza", data={"bio": ["hi"]})
    await store.create_agent(agent)
    data = agent_with_secrets().data
    assert await store.update_agent(agent.id, data=data) is True
    assert TOP_SECRET not in raw()
    got = await store.get_agent(agent.id)
    assert got is not None
    assert got.data == data


async def test_without_a_key_secrets_are_dropped_with_one_warning(
    backend: tuple[StoreFactory, Callable[[], str]], caplog: pytest.LogCaptureFixture
) -> None:
    """Without a key, no secret is stored and one warning names the keys, not the values."""
    make, raw = backend
    store = make(None)
    await store.init()
    caplog.set_level(logging.WARNING, logger="swarm.memory")
    first, second = agent_with_secrets(), agent_with_secrets()
    await store.create_agent(first)
    await store.create_agent(second)
    dump = raw()
    assert TOP_SECRET not in dump
    assert NESTED_SECRET not in dump
    got = await store.get_agent(first.id)
    assert got is not None
    assert got.data == {"bio": ["hi"], "settings": {"model": "gpt"}}
    warnings = [r.getMessage() for r in caplog.records if "SWARM_SECRETS_KEY" in r.getMessage()]
    assert len(warnings) == 1
    assert "OPENAI_API_KEY" in warnings[0]
    assert "SLACK_TOKEN" in warnings[0]
    assert TOP_SECRET not in caplog.text


async def test_a_wrong_key_is_a_clear_error(
    backend: tuple[StoreFactory, Callable[[], str]],
) -> None:
    """Reading with another key raises SecretsError naming the agent and SWARM_SECRETS_KEY."""
    make, _ = backend
    writer = make(generate_secrets_key())
    await writer.init()
    agent = agent_with_secrets()
    await writer.create_agent(agent)
    await writer.close()
    reader = make(generate_secrets_key())
    await reader.init()
    with pytest.raises(SecretsError, match="SWARM_SECRETS_KEY is not the key") as caught:
        await reader.get_agent(agent.id)
    assert agent.id in str(caught.value)
    assert TOP_SECRET not in str(caught.value)


async def test_a_rotated_key_list_still_reads_old_secrets(
    backend: tuple[StoreFactory, Callable[[], str]],
) -> None:
    """A key list with the old key second reads secrets sealed under the old key."""
    make, _ = backend
    old, new = generate_secrets_key(), generate_secrets_key()
    writer = make(old)
    await writer.init()
    agent = agent_with_secrets()
    await writer.create_agent(agent)
    await writer.close()
    reader = make(f"{new},{old}")
    await reader.init()
    got = await reader.get_agent(agent.id)
    assert got is not None
    assert got.data == agent.data


async def test_a_reader_without_the_key_gets_the_agent_without_secrets(
    backend: tuple[StoreFactory, Callable[[], str]], caplog: pytest.LogCaptureFixture
) -> None:
    """A store without a key lists encrypted agents, leaving their secrets out, with a warning."""
    make, _ = backend
    writer = make(generate_secrets_key())
    await writer.init()
    agent = agent_with_secrets()
    await writer.create_agent(agent)
    await writer.close()
    reader = make(None)
    await reader.init()
    caplog.set_level(logging.WARNING, logger="swarm.security")
    [got] = await reader.get_agents()
    assert got.data == {"bio": ["hi"], "settings": {"model": "gpt"}}
    assert "no SWARM_SECRETS_KEY" in caplog.text

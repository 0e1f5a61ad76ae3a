"""End to end: a real `swarm coordinator` and real `swarm worker` processes on a private Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import psycopg
import pytest

from swarm.client import SwarmClient
from swarm.ids import incoming_id, string_to_uuid
from swarm.memory import MemoryStore, create_store
from swarm.types import Memory
from tests.support.fleet import EXAMPLES, Fleet
from tests.support.memory import drop_schema, libpq_url, unique_schema
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

ELIZA, QUILL, SCOUT = EXAMPLES / "eliza.json", EXAMPLES / "quill.json", EXAMPLES / "scout.json"


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    schema = unique_schema("swarm_coord")
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    drop_schema(postgres_url, schema)


@pytest.fixture
def fleet(tmp_path: Path, pg_url: str) -> Iterator[Fleet]:
    server = RedisServer(tmp_path / "redis").start()
    logs = tmp_path / "logs"
    logs.mkdir()
    fleet = Fleet(server.url, pg_url, logs)
    try:
        yield fleet
    finally:
        fleet.close()
        server.stop()


async def received(store: MemoryStore, message_id: str, agent: str) -> Memory | None:
    """The incoming memory ``agent`` stored for ``message_id`` (None until it handled it)."""
    return await store.get_memory(incoming_id(message_id, string_to_uuid(agent)))


async def wait_received(store: MemoryStore, message_id: str, agent: str) -> Memory:
    for _ in range(200):
        found = await received(store, message_id, agent)
        if found is not None:
            return found
        await anyio.sleep(0.1)
    raise AssertionError(f"{agent} never handled message {message_id}")


@pytest.mark.anyio
async def test_a_message_routed_by_name_reaches_that_agent_only(fleet: Fleet) -> None:
    """`route('Quill', ...)` through the coordinator lands in Quill's store, not Eliza's."""
    fleet.coordinator()
    fleet.worker(ELIZA, QUILL)
    fleet.worker(ELIZA, QUILL)
    store = create_store(fleet.database_url)
    await store.init()
    try:
        async with SwarmClient(fleet.redis_url) as client:
            message_id = await client.route("Quill", "hello quill")
            memory = await wait_received(store, message_id, "Quill")
            assert memory.content.text == "hello quill"
            assert await received(store, message_id, "Eliza") is None
            statuses = {a.name: a for a in await client.agents()}
        assert statuses["Quill"].status == "active"
        assert statuses["Quill"].workers == 2
    finally:
        await store.close()

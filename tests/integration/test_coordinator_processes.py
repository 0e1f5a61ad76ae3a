"""End to end: a real `swarm coordinator` and real `swarm worker` processes on a private Redis."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import psycopg
import pytest

from coordinator import queue_key
from swarm.bus import BusCommand, connect, encode_command, keys, publish, register_agent
from swarm.client import SwarmClient
from swarm.ids import incoming_id, response_id, string_to_uuid
from swarm.memory import MemoryStore, create_store
from swarm.types import Memory
from tests.support.fleet import EXAMPLES, Fleet, wait_for
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


@pytest.mark.anyio
async def test_an_agent_reply_goes_back_once_and_is_not_answered_again(fleet: Fleet) -> None:
    """Eliza -> Quill: Quill's answer reaches Eliza marked agent_reply; Eliza does not answer."""
    fleet.coordinator()
    fleet.worker(ELIZA)
    fleet.worker(QUILL)
    eliza, quill = string_to_uuid("Eliza"), string_to_uuid("Quill")
    store = create_store(fleet.database_url)
    await store.init()
    try:
        async with SwarmClient(fleet.redis_url) as client:
            message_id = str(uuid.uuid4())
            command = BusCommand(
                kind="send", to="Quill", text="hello", message_id=message_id, sender=eliza
            )
            await publish(client._redis, command)  # as Eliza's runtime does
            got = await wait_received(store, message_id, "Quill")
            assert got.metadata.extra["from_agent"] == eliza
            assert got.metadata.extra["inter_agent"] is True
            answer = await wait_received(store, response_id(message_id, quill), "Eliza")
            assert answer.metadata.extra["agent_reply"] is True
            # Eliza's own answer would be on the bus before its incoming memory was stored.
            assert await client._redis.xlen(keys.bus_stream()) == 2
    finally:
        await store.close()


@pytest.mark.anyio
async def test_messages_for_an_agent_nobody_hosts_yet_arrive_when_its_worker_starts(
    fleet: Fleet,
) -> None:
    """Three messages routed to Scout before any worker hosts it are all handled once it does."""
    fleet.coordinator()
    fleet.worker(ELIZA)
    store = create_store(fleet.database_url)
    await store.init()
    try:
        async with SwarmClient(fleet.redis_url) as client:
            ids = [await client.route("Scout", f"note {i}") for i in range(3)]
            wait_for(lambda: fleet.redis.xlen(queue_key("Scout")) == 3, "all three queued")
            queued = {a.name: a for a in await client.agents()}["Scout"]
            assert (queued.status, queued.queued) == ("unregistered", 3)
            fleet.worker(SCOUT)
            for message_id in ids:
                await wait_received(store, message_id, "Scout")
            texts = [(await received(store, i, "Scout")) for i in ids]
            assert [m.content.text for m in texts if m] == ["note 0", "note 1", "note 2"]
    finally:
        await store.close()


@pytest.mark.anyio
async def test_a_broadcast_reaches_each_agent_once(fleet: Fleet) -> None:
    """`swarm broadcast` semantics: each of three agents on two workers handles it once."""
    fleet.coordinator()
    fleet.worker(ELIZA, QUILL)
    fleet.worker(SCOUT, QUILL)
    store = create_store(fleet.database_url)
    await store.init()
    try:
        async with SwarmClient(fleet.redis_url) as client:
            message_id = await client.broadcast("all hands")
            for name in ("Eliza", "Quill", "Scout"):
                await wait_received(store, message_id, name)
            statuses = await client.agents()
        assert {a.name: a.processed for a in statuses} == {"Eliza": 1, "Quill": 1, "Scout": 1}
    finally:
        await store.close()


def test_a_second_coordinator_takes_over_from_a_killed_one(fleet: Fleet) -> None:
    """Entries the first coordinator read and never acked are routed by the second, once each."""
    first = fleet.coordinator()

    async def setup() -> str:
        redis = connect(fleet.redis_url)
        try:
            return (await register_agent(redis, "Ada")).inbox
        finally:
            await redis.aclose()

    inbox = anyio.run(setup)
    # Once it has routed a first message, it is in its read loop (not still starting up).
    warm_up = encode_command(BusCommand(kind="send", to="Ada", text="warm-up"))
    fleet.redis.xadd(keys.bus_stream(), warm_up)  # type: ignore[arg-type]
    wait_for(lambda: fleet.redis.xlen(inbox) == 1, "the first coordinator to be routing")
    os.kill(first.pid, signal.SIGSTOP)  # it keeps its blocked read: Redis hands it entries
    sent = []
    for i in range(10):
        fields = encode_command(BusCommand(kind="send", to="Ada", text=f"m{i}"))
        fleet.redis.xadd(keys.bus_stream(), fields)  # type: ignore[arg-type]
        sent.append(f"m{i}")
    wait_for(
        lambda: fleet.redis.xpending(keys.bus_stream(), keys.COORDINATOR_GROUP)["pending"] > 0,
        "the stopped coordinator to hold entries",
    )
    first.kill()
    first.wait(10)
    fleet.coordinator()
    wait_for(lambda: fleet.redis.xlen(inbox) >= 11, "the second coordinator to route them")
    fleet.redis.xadd(
        keys.bus_stream(), encode_command(BusCommand(kind="send", to="Ada", text="m10"))
    )  # type: ignore[arg-type]
    wait_for(lambda: fleet.redis.xlen(inbox) >= 12, "a new message to be routed")
    wait_for(
        lambda: fleet.redis.xpending(keys.bus_stream(), keys.COORDINATOR_GROUP)["pending"] == 0,
        "every bus entry to be acked",
    )
    texts = [f[b"text"].decode() for _, f in fleet.redis.xrange(inbox)]
    assert sorted(texts) == sorted(["warm-up", *sent, "m10"])

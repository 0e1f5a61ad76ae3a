"""End to end: replica groups (balancing, sticky rooms, scaling) and ttl in an offline inbox."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import anyio
import msgspec
import psycopg
import pytest

from swarm.bus import connect, decode_dead_letter, keys, register_agent
from swarm.client import SwarmClient
from swarm.ids import incoming_id, string_to_uuid
from swarm.memory import MemoryStore, create_store
from tests.support.fleet import EXAMPLES, Fleet, wait_for
from tests.support.memory import drop_schema, libpq_url, unique_schema
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

ELIZA, SCOUT = EXAMPLES / "eliza.json", EXAMPLES / "scout.json"
REPLICA = {string_to_uuid(f"Eliza#{i}"): f"Eliza#{i}" for i in (1, 2, 3)}


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    schema = unique_schema("swarm_repl")
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


async def handlers_of(store: MemoryStore, message_id: str, names: list[str]) -> list[str]:
    """The agents among ``names`` that stored ``message_id`` as an incoming message."""
    return [
        name
        for name in names
        if await store.get_memory(incoming_id(message_id, string_to_uuid(name))) is not None
    ]


async def ask(client: SwarmClient, text: str, room: str | None = None) -> str:
    """Send to the group ``Eliza``; the name of the replica that answered."""
    reply = await client.send("Eliza", text, room, timeout=15)
    assert reply.kind == "reply", reply.error
    return REPLICA[reply.agent_id]


@pytest.mark.anyio
async def test_messages_to_a_group_spread_over_its_replicas_and_each_is_answered_once(
    fleet: Fleet,
) -> None:
    """Six messages to `Eliza` (2 replicas on 2 workers): 3 per replica, each handled once."""
    fleet.coordinator()
    fleet.worker(ELIZA, replicas=2)
    fleet.worker(ELIZA, replicas=2)
    store = create_store(fleet.database_url)
    await store.init()
    try:
        async with SwarmClient(fleet.redis_url) as client:
            answered = []
            ids = []
            for i in range(6):
                reply = await client.send("Eliza", f"question {i}", timeout=15)
                ids.append(reply.message_id)
                answered.append(REPLICA[reply.agent_id])
            assert Counter(answered) == {"Eliza#1": 3, "Eliza#2": 3}
            for message_id, name in zip(ids, answered, strict=True):
                assert await handlers_of(store, message_id, ["Eliza#1", "Eliza#2"]) == [name]
            statuses = {a.name: a for a in await client.agents()}
        assert {n: (a.group, a.workers) for n, a in statuses.items()} == {
            "Eliza#1": ("Eliza", 2),
            "Eliza#2": ("Eliza", 2),
        }
    finally:
        await store.close()


@pytest.mark.anyio
async def test_a_room_sticks_to_one_replica(fleet: Fleet) -> None:
    """Interleaved messages of two rooms: each room is answered by one replica throughout."""
    fleet.coordinator()
    fleet.worker(ELIZA, replicas=2)
    fleet.worker(ELIZA, replicas=2)
    async with SwarmClient(fleet.redis_url) as client:
        by_room: dict[str, set[str]] = {"r1": set(), "r2": set()}
        for i in range(4):
            for room in ("r1", "r2"):
                by_room[room].add(await ask(client, f"{room} message {i}", room))
        direct = await client.send("Eliza#2", "to you", timeout=15)
    assert [len(v) for v in by_room.values()] == [1, 1]
    assert by_room["r1"] != by_room["r2"]  # two rooms, round robin: one each
    assert REPLICA[direct.agent_id] == "Eliza#2"  # a replica's own name reaches it


@pytest.mark.anyio
async def test_scale_up_adds_a_replica_that_receives_messages(fleet: Fleet) -> None:
    """`scale_up('Eliza', 1)` on a 1-replica group: Eliza#2 is hosted and gets messages."""
    fleet.coordinator()
    fleet.worker(ELIZA, replicas=1)
    fleet.worker(SCOUT)
    async with SwarmClient(fleet.redis_url) as client:
        assert {await ask(client, f"before {i}") for i in range(2)} == {"Eliza#1"}
        assert await client.scale_up("Eliza", 1) == ["Eliza#2"]
        answered = Counter([await ask(client, f"after {i}") for i in range(4)])
        statuses = {a.name: a for a in await client.agents()}
    assert answered == {"Eliza#1": 2, "Eliza#2": 2}
    assert (statuses["Eliza#2"].status, statuses["Eliza#2"].group) == ("active", "Eliza")


@pytest.mark.anyio
async def test_scale_down_loses_nothing_and_stops_routing_to_the_retired_replica(
    fleet: Fleet,
) -> None:
    """Messages already routed to a retired replica are still handled; new ones avoid it."""
    fleet.coordinator()
    fleet.worker(ELIZA, replicas=2)
    fleet.worker(ELIZA, replicas=2)
    store = create_store(fleet.database_url)
    await store.init()
    names = ["Eliza#1", "Eliza#2"]
    try:
        async with SwarmClient(fleet.redis_url) as client:
            before = [await client.send("Eliza", f"b{i}", wait=False) for i in range(10)]
            # The coordinator routes asynchronously: scale down only once all ten are routed.
            inboxes = [keys.inbox(string_to_uuid(n)) for n in names]
            # entries-added, not XLEN: workers trim the entries they have acked.
            wait_for(
                lambda: sum(fleet.redis.xinfo_stream(i)["entries-added"] for i in inboxes) >= 10,
                "the first ten routed",
            )
            assert await client.scale_down("Eliza", 1) == ["Eliza#2"]
            after = [await client.send("Eliza", f"a{i}", wait=False) for i in range(6)]
            handled: dict[str, list[str]] = {}
            for message_id in before + after:
                for _ in range(200):
                    handled[message_id] = await handlers_of(store, message_id, names)
                    if handled[message_id]:
                        break
                    await anyio.sleep(0.05)
            statuses = {a.name: a for a in await client.agents()}
    finally:
        await store.close()
    assert all(len(h) == 1 for h in handled.values()), handled
    assert {h[0] for m, h in handled.items() if m in before} == {"Eliza#1", "Eliza#2"}
    assert {h[0] for m, h in handled.items() if m in after} == {"Eliza#1"}
    assert (statuses["Eliza#2"].routable, statuses["Eliza#1"].routable) == (False, True)


@pytest.mark.anyio
async def test_an_expired_message_in_an_offline_inbox_is_dead_lettered_when_the_worker_starts(
    fleet: Fleet,
) -> None:
    """Scout registered, no worker: its ttl'd message expires into dead letters; others run."""
    fleet.coordinator()
    redis = connect(fleet.redis_url)
    store = create_store(fleet.database_url)
    await store.init()
    try:
        scout = await register_agent(redis, "Scout")
        async with SwarmClient(redis=redis, owns_redis=False) as client:
            stale = await client.route("Scout", "stale", ttl_s=0.2)
            fresh = await client.route("Scout", "fresh", ttl_s=600)
            wait_for(lambda: fleet.redis.xlen(scout.inbox) == 2, "both in Scout's inbox")
            await anyio.sleep(0.3)  # let the first ttl pass while no worker hosts Scout
            fleet.worker(SCOUT)
            dead = keys.dead_letters(scout.id)
            wait_for(lambda: fleet.redis.xlen(dead) == 1, "the stale message dead-lettered")
            letter = decode_dead_letter(fleet.redis.xrange(dead)[0][1])
            assert letter.error.startswith("expired: ")
            assert (letter.fields["id"], letter.fields["text"]) == (stale, "stale")
            for _ in range(200):
                if await store.get_memory(incoming_id(fresh, scout.id)) is not None:
                    break
                await anyio.sleep(0.05)
            assert await store.get_memory(incoming_id(fresh, scout.id)) is not None
            assert await store.get_memory(incoming_id(stale, scout.id)) is None
            later = await client.send("Scout", "later", timeout=15)
        assert later.kind == "reply"
        assert msgspec.json.decode(fleet.redis.xrange(dead)[0][1][b"fields"])["text"] == "stale"
    finally:
        await store.close()
        await redis.aclose()


@pytest.mark.anyio
async def test_swarm_scale_sets_the_number_of_routable_replicas(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`swarm scale Eliza 2` then `swarm scale Eliza 1`: up hosts Eliza#2, down retires it."""
    from typer.testing import CliRunner

    from swarm.cli import app

    fleet.coordinator()
    fleet.worker(ELIZA, replicas=1)
    async with SwarmClient(fleet.redis_url) as client:
        assert await ask(client, "warm up") == "Eliza#1"  # the worker is serving
    monkeypatch.setenv("SWARM_REDIS_URL", fleet.redis_url)
    runner = CliRunner()
    up = await anyio.to_thread.run_sync(lambda: runner.invoke(app, ["scale", "Eliza", "2"]))
    assert (up.exit_code, up.output.strip()) == (0, "Eliza: 2 replica(s): Eliza#1, Eliza#2")
    down = await anyio.to_thread.run_sync(lambda: runner.invoke(app, ["scale", "Eliza", "1"]))
    assert (down.exit_code, down.output.strip()) == (0, "Eliza: 1 replica(s): Eliza#1")
    unknown = await anyio.to_thread.run_sync(lambda: runner.invoke(app, ["scale", "Nobody", "2"]))
    assert unknown.exit_code == 1
    assert "no replica group named 'Nobody'" in unknown.output

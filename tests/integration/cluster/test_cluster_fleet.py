"""A real `swarm coordinator` and real `swarm worker`s on a 3-master Redis Cluster.

Agents are picked so that their keys sit on different masters; the store is a per-test
PostgreSQL schema shared by the coordinator (task rows) and the workers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest

from swarm.bus import BusCommand, Redis, decode_reply, keys, publish
from swarm.client import SwarmClient
from swarm.hierarchy import NO_AUTHORITY
from swarm.ids import incoming_id, string_to_uuid
from swarm.memory import MemoryStore, create_store
from swarm.types import Memory, now_ms
from tests.support.fleet import EXAMPLES, ROOT, Fleet, wait_for
from tests.support.memory import drop_schema, libpq_url, unique_schema
from tests.support.redis_cluster import LocalCluster, names_per_master

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    schema = unique_schema("swarm_cluster")
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    drop_schema(postgres_url, schema)


@pytest.fixture
def fleet(redis_cluster: LocalCluster, tmp_path: Path, pg_url: str) -> Iterator[Fleet]:
    logs = tmp_path / "logs"
    logs.mkdir()
    fleet = Fleet(redis_cluster.url, pg_url, logs)
    try:
        yield fleet
    finally:
        fleet.close()


@pytest.fixture
async def store(fleet: Fleet) -> Any:
    store = create_store(fleet.database_url)
    await store.init()
    yield store
    await store.close()


def characters(directory: Path, names: list[str]) -> list[Path]:
    """Eliza's character file once per name (the offline model answers from its examples)."""
    base = json.loads((EXAMPLES / "eliza.json").read_text())
    paths = []
    for name in names:
        path = directory / f"{name}.json"
        path.write_text(json.dumps({**base, "name": name, "username": name.lower()}))
        paths.append(path)
    return paths


async def wait_received(store: MemoryStore, message_id: str, agent: str) -> Memory:
    """The incoming memory ``agent`` stored for ``message_id``, once it handled it."""
    with anyio.fail_after(20):
        while True:
            found = await store.get_memory(incoming_id(message_id, string_to_uuid(agent)))
            if found is not None:
                return found
            await anyio.sleep(0.05)


async def test_routing_by_name_reaches_agents_on_every_master_and_replies_come_back(
    redis_cluster: LocalCluster, cluster_redis: Redis, fleet: Fleet, tmp_path: Path
) -> None:
    """A bus `send` by name with a reply_to reaches each of three agents on three masters
    through the coordinator, and each agent's reply (to that message id) comes back."""
    names = names_per_master(redis_cluster, "Route")
    ports = {redis_cluster.port_of(keys.inbox(string_to_uuid(n))) for n in names}
    assert ports == set(redis_cluster.ports)
    fleet.coordinator()
    files = characters(tmp_path, names)
    fleet.worker(*files[:2])
    fleet.worker(files[2])
    replies = keys.reply_stream(str(uuid.uuid4()), "route")
    sent = {}
    for name in names:
        command = BusCommand(
            kind="send",
            to=name,
            text="hello there",
            message_id=str(uuid.uuid4()),
            reply_to=replies,
            sent_at=now_ms(),
        )
        await publish(cluster_redis, command)
        sent[command.message_id] = string_to_uuid(name)
    answered: dict[str, str] = {}
    last = "0"
    with anyio.fail_after(20):
        while len(answered) < len(sent):
            found: Any = await cluster_redis.xread({replies: last}, block=500)
            for _, items in found or []:
                for entry_id, fields in items:
                    last = entry_id.decode()
                    reply = decode_reply(fields)
                    if reply.kind == "reply":
                        answered[reply.message_id] = reply.agent_id
    assert answered == sent, fleet.logs()


async def test_a_broadcast_reaches_each_agent_on_every_master_once(
    redis_cluster: LocalCluster, fleet: Fleet, store: MemoryStore, tmp_path: Path
) -> None:
    """One client broadcast is handled by each of three agents (three masters, two workers
    each) exactly once: each inbox group read one entry, with that message id."""
    names = names_per_master(redis_cluster, "Cast")
    fleet.coordinator()
    files = characters(tmp_path, names)
    fleet.worker(*files)
    fleet.worker(*files)
    async with SwarmClient(fleet.redis_url) as client:
        message_id = await client.broadcast("attention, everyone")
        for name in names:
            memory = await wait_received(store, message_id, name)
            assert memory.content.text == "attention, everyone"
        statuses = {a.name: a for a in await client.agents()}
    assert [statuses[n].processed for n in names] == [1, 1, 1], fleet.logs()


async def test_swarm_agents_lists_every_agent_with_its_live_workers(
    redis_cluster: LocalCluster, fleet: Fleet, tmp_path: Path
) -> None:
    """`swarm agents --json` on a cluster URL lists agents of all three masters as active,
    with the number of live workers hosting each (two, two and one)."""
    names = names_per_master(redis_cluster, "List")
    files = characters(tmp_path, names)
    fleet.worker(*files)
    fleet.worker(*files[:2])
    listed = subprocess.run(  # noqa: ASYNC221  # the CLI under test, run once
        [sys.executable, "-m", "swarm.cli", "agents", "--json"],
        env={**os.environ, "SWARM_REDIS_URL": fleet.redis_url},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    found = {a["name"]: a for a in json.loads(listed.stdout)}
    assert [(found[n]["status"], found[n]["workers"]) for n in names] == [
        ("active", 2),
        ("active", 2),
        ("active", 1),
    ]


def helper_character(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "scout.json").read_text())
    data.update(name=name, username=name.lower(), plugins=[], settings={})
    return data


def hosted(fleet: Fleet, agent_id: str) -> bool:
    for key in fleet.redis.scan_iter(match=keys.presence_pattern()):
        raw = fleet.redis.get(key)
        if raw and agent_id in json.loads(raw).get("agents", []):
            return True
    return False


async def test_a_delegation_round_trip_across_masters_and_a_refusal_without_authority(
    redis_cluster: LocalCluster, fleet: Fleet, store: MemoryStore, tmp_path: Path
) -> None:
    """Parent and child on different masters: the child's answer comes back `done` and its
    task row is done; a third agent (third master) delegating to that child is refused
    with 'No authority over this agent' and leaves no task row."""
    boss, helper, other = names_per_master(redis_cluster, "Deleg")
    fleet.coordinator()
    fleet.worker(*characters(tmp_path, [boss, other]))
    async with SwarmClient(fleet.redis_url) as client:
        child_id = await client.create_child(boss, helper_character(helper), timeout=20)
        assert child_id == string_to_uuid(helper)
        wait_for(lambda: hosted(fleet, child_id), "a worker to host the child")
        result = await client.delegate(boss, helper, "hello, can you help?", timeout=10)
        assert (result.status, result.error) == ("done", None), fleet.logs()
        assert result.text
        task = await store.get_task(result.task_id)
        assert task is not None
        assert (task.status, task.agent_id, task.entity_id) == (
            "done",
            child_id,
            string_to_uuid(boss),
        )
        refused = await client.delegate(other, helper, "do my homework", timeout=10)
        assert (refused.status, refused.error) == ("refused", NO_AUTHORITY)
        assert await store.get_task(refused.task_id) is None


async def test_messages_for_a_name_not_yet_registered_are_queued_then_delivered(
    redis_cluster: LocalCluster, fleet: Fleet, store: MemoryStore, tmp_path: Path
) -> None:
    """Two messages routed to a name before any worker hosts it wait in its offline queue
    (under the tag of the name's id) and both reach the agent once a worker registers it."""
    (name,) = names_per_master(redis_cluster, "Late")[:1]
    fleet.coordinator()
    async with SwarmClient(fleet.redis_url) as client:
        first = await client.route(name, "first", room="late-room")
        second = await client.route(name, "second", room="late-room")
        wait_for(
            lambda: fleet.redis.xlen(keys.queued(string_to_uuid(name))) == 2,
            "the coordinator to queue both messages",
        )
        fleet.worker(*characters(tmp_path, [name]))
        earlier = await wait_received(store, first, name)
        later = await wait_received(store, second, name)
    assert (earlier.content.text, later.content.text) == ("first", "second")

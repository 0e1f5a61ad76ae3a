"""Real worker processes on a 3-master Redis Cluster: `swarm worker`, and a SIGKILL mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarm.bus import Redis, decode_reply, encode_message, keys, room_id
from swarm.client import SwarmClient
from swarm.ids import response_id, string_to_uuid
from swarm.memory import create_store
from tests.support.bus import eventually
from tests.support.processes import EchoWorkerProcess
from tests.support.redis_cluster import LocalCluster, names_per_master

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

ROOT = Path(__file__).resolve().parents[3]
ELIZA = ROOT / "examples" / "characters" / "eliza.json"


@pytest.fixture
def workers() -> Iterator[list[EchoWorkerProcess]]:
    started: list[EchoWorkerProcess] = []
    yield started
    for worker in started:
        worker.close()


def _characters(directory: Path, names: list[str]) -> list[Path]:
    """Eliza's character file once per name (the offline model answers from its examples)."""
    base = json.loads(ELIZA.read_text())
    paths = []
    for name in names:
        path = directory / f"{name}.json"
        path.write_text(json.dumps({**base, "name": name, "username": name.lower()}))
        paths.append(path)
    return paths


def _start_swarm_worker(
    env: dict[str, str], log: Path, characters: list[Path]
) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "swarm.cli", "worker", "--characters", *map(str, characters)]
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


async def _registered(redis: Redis, names: list[str]) -> bool:
    return all([await redis.hexists(keys.registry(), n) for n in names])


async def test_swarm_worker_answers_agents_on_every_master_and_stores_replies(
    redis_cluster: LocalCluster, cluster_redis: Redis, tmp_path: Path
) -> None:
    """`swarm worker` on a redis+cluster:// URL hosts three agents on three masters; each
    answers a SwarmClient, its reply is the stored response memory, and SIGTERM exits 0."""
    names = names_per_master(redis_cluster, "Sage")
    database = f"sqlite+aiosqlite:///{tmp_path / 'swarm.db'}"
    env = {**os.environ, "SWARM_REDIS_URL": redis_cluster.url, "SWARM_DATABASE_URL": database}
    log = tmp_path / "worker.log"
    proc = _start_swarm_worker(env, log, _characters(tmp_path, names))
    try:
        await eventually(lambda: _registered(cluster_redis, names), timeout_s=30)
        async with SwarmClient(redis_cluster.url) as client:
            replies = [await client.send(name, "hello", timeout=20) for name in names]
        assert all(r.kind == "reply" and r.text for r in replies), log.read_text()
        store = create_store(database)
        await store.init()
        try:
            for name, reply in zip(names, replies, strict=True):
                stored = await store.get_memory(response_id(reply.message_id, string_to_uuid(name)))
                assert stored is not None
                assert stored.content.text == reply.text
        finally:
            await store.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def _pending(redis: Redis, inboxes: list[str]) -> list[int]:
    return [int((await redis.xpending(i, keys.WORKER_GROUP))["pending"]) for i in inboxes]


async def _effects(redis: Redis, ns: str) -> int:
    return int(await redis.get(f"{ns}:effects") or 0)


async def test_a_sigkilled_worker_holding_entries_on_every_master_loses_and_doubles_nothing(
    redis_cluster: LocalCluster,
    cluster_redis: Redis,
    workers: list[EchoWorkerProcess],
    tmp_path: Path,
) -> None:
    """A worker is SIGKILLed while it holds pending entries on all three masters; a new worker
    reclaims them: every message is stored once, answered once, and each room in order."""
    names = names_per_master(redis_cluster, "crash")
    ns = f"clk-{uuid.uuid4().hex[:6]}"
    replies_key = f"{ns}:replies-stream"
    inboxes = [keys.inbox(string_to_uuid(n)) for n in names]
    log = tmp_path / "workers.log"
    workers.append(EchoWorkerProcess(redis_cluster.url, ns, names, log))
    await eventually(lambda: _registered(cluster_redis, names), timeout_s=20)

    sent: dict[str, list[str]] = {}  # room id (one agent's) -> texts in send order

    async def send(texts: list[tuple[str, str, str]]) -> None:
        pipe = cluster_redis.pipeline(transaction=False)
        for inbox, room, text in texts:
            sent.setdefault(room_id(room), []).append(text)
            pipe.xadd(inbox, encode_message(text=text, room=room, reply_to=replies_key))  # type: ignore[arg-type]
        await pipe.execute()

    # Phase 1 is answered in full; phase 2 starts with a slow message per agent, so the
    # worker surely holds entries on every master when it is killed.
    first = [(i, f"r{n}-{k % 5}", f"a:{k}:{n}") for k in range(60) for n, i in enumerate(inboxes)]
    await send(first)
    await eventually(lambda: _effects_at_least(cluster_redis, ns, len(first)), timeout_s=20)
    second = [(i, f"r{n}-0", f"slow:1.5:hold:{n}") for n, i in enumerate(inboxes)]
    second += [(i, f"r{n}-{k % 5}", f"b:{k}:{n}") for k in range(60) for n, i in enumerate(inboxes)]
    await send(second)
    await eventually(lambda: _all_held(cluster_redis, inboxes))
    workers[0].kill()
    assert all(await _pending(cluster_redis, inboxes)), "the killed worker held nothing"
    assert await _effects(cluster_redis, ns) < len(first) + len(second)

    workers.append(EchoWorkerProcess(redis_cluster.url, ns, names, log))
    total = len(first) + len(second)
    await eventually(lambda: _settled(cluster_redis, ns, total, inboxes), timeout_s=30)

    replies = [decode_reply(f) for _, f in await cluster_redis.xrange(replies_key)]
    answered = Counter(r.text for r in replies if r.kind == "reply")
    assert answered == Counter(f"echo: {text}" for texts in sent.values() for text in texts)
    assert await _effects(cluster_redis, ns) == total
    for room, texts in sent.items():
        stored = await cluster_redis.lrange(f"{ns}:order:{room}", 0, -1)
        assert [s.decode() for s in stored] == texts


async def _effects_at_least(redis: Redis, ns: str, count: int) -> bool:
    return await _effects(redis, ns) >= count


async def _all_held(redis: Redis, inboxes: list[str]) -> bool:
    return all(await _pending(redis, inboxes))


async def _settled(redis: Redis, ns: str, total: int, inboxes: list[str]) -> bool:
    return await _effects(redis, ns) >= total and not any(await _pending(redis, inboxes))

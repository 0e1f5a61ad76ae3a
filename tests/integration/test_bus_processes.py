"""Worker processes against a private Redis: crashes, Redis restarts, raw redis-cli, SIGTERM."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest

from swarm.bus import Redis, connect, decode_reply, encode_message, keys, room_id
from swarm.ids import string_to_uuid
from tests.support.bus import eventually, running_worker
from tests.support.echo_handler import EchoHandler
from tests.support.processes import EchoWorkerProcess
from tests.support.redis_server import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    srv = RedisServer(tmp_path / "redis").start()
    yield srv
    srv.stop()


@pytest.fixture
async def redis(server: RedisServer) -> AsyncIterator[Redis]:
    client = connect(server.url)
    yield client
    await client.aclose()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[EchoWorkerProcess]]:
    started: list[EchoWorkerProcess] = []
    yield started
    for worker in started:
        worker.close()


async def _live_workers(redis: Redis, count: int) -> bool:
    found = [key async for key in redis.scan_iter(match=keys.presence_pattern())]
    return len(found) >= count


async def _at_least(redis: Redis, key: str, count: int) -> bool:
    return int(await redis.get(key) or 0) >= count


async def _settled(redis: Redis, key: str, count: int, inbox: str) -> bool:
    done = int(await redis.get(key) or 0) >= count
    return done and (await redis.xpending(inbox, keys.WORKER_GROUP))["pending"] == 0


async def test_sigkilled_worker_loses_nothing_and_doubles_nothing(
    server: RedisServer, redis: Redis, workers: list[EchoWorkerProcess], tmp_path: Path
) -> None:
    """Two workers, 2,000 messages in 20 rooms, one SIGKILLed mid-run: every message is
    stored once and answered once, and each room is stored in send order."""
    name, ns, total = "crash-agent", "crash", 2000
    for _ in range(2):
        workers.append(EchoWorkerProcess(server.url, ns, [name], tmp_path / "workers.log"))
    await eventually(lambda: _live_workers(redis, 2), timeout_s=20)
    inbox = keys.inbox(string_to_uuid(name))
    pipe = redis.pipeline(transaction=False)
    for i in range(total):
        room = f"room-{i % 20}"
        pipe.xadd(
            inbox, encode_message(text=f"slow:0.001:{i}", room=room, reply_to="crash-replies")
        )  # type: ignore[arg-type]
    await pipe.execute()
    await eventually(lambda: _at_least(redis, f"{ns}:effects", total // 5))
    workers[0].kill()
    assert int(await redis.get(f"{ns}:effects") or 0) < total, "killed too late to prove much"
    await eventually(lambda: _settled(redis, f"{ns}:effects", total, inbox), timeout_s=20)

    replies = [decode_reply(f) for _, f in await redis.xrange("crash-replies")]
    texts = sorted(r.text for r in replies)
    assert texts == sorted(f"echo: slow:0.001:{i}" for i in range(total))
    assert int(await redis.get(f"{ns}:effects") or 0) == total
    for r in range(20):
        stored = await redis.lrange(f"{ns}:order:{room_id(f'room-{r}')}", 0, -1)
        assert [s.decode() for s in stored] == [f"slow:0.001:{i}" for i in range(r, total, 20)]


async def test_worker_recovers_from_a_redis_restart(server: RedisServer, redis: Redis) -> None:
    """Redis killed and restarted mid-run: the worker reconnects and every message is stored
    and answered exactly once."""
    ns, total = "restart", 300
    from swarm.bus import register_agent

    agent = await register_agent(redis, "restart-agent")
    pipe = redis.pipeline(transaction=False)
    for i in range(total):
        fields = encode_message(text=f"slow:0.003:{i}", room=f"r{i % 10}", reply_to="rs-replies")
        pipe.xadd(agent.inbox, fields)  # type: ignore[arg-type]
    await pipe.execute()
    worker_redis = connect(server.url)
    try:
        async with running_worker(worker_redis, [agent], EchoHandler(worker_redis, ns)):
            await eventually(lambda: _at_least(redis, f"{ns}:effects", 30))
            server.stop()
            await anyio.sleep(0.3)
            server.start()
            await eventually(
                lambda: _settled(redis, f"{ns}:effects", total, agent.inbox), timeout_s=20
            )
    finally:
        await worker_redis.aclose()
    replies = [decode_reply(f) for _, f in await redis.xrange("rs-replies")]
    assert sorted(r.text for r in replies) == sorted(f"echo: slow:0.003:{i}" for i in range(total))
    assert int(await redis.get(f"{ns}:effects") or 0) == total


def _redis_cli(server: RedisServer, *args: str) -> str:
    binary = shutil.which("redis-cli")
    assert binary is not None, "redis-cli is needed for the protocol test"
    done = subprocess.run(
        [binary, "-p", str(server.port), *args], capture_output=True, text=True, timeout=10
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_message_written_with_redis_cli_is_answered(
    server: RedisServer, redis: Redis, workers: list[EchoWorkerProcess], tmp_path: Path
) -> None:
    """docs/protocol.md holds: a plain `redis-cli XADD` reaches the agent and its reply is
    read back with `redis-cli XREAD`."""
    workers.append(EchoWorkerProcess(server.url, "cli", ["cli-agent"], tmp_path / "w.log"))
    await eventually(lambda: _live_workers(redis, 1), timeout_s=20)
    agent_id = string_to_uuid("cli-agent")
    inbox = f"swarm:{{{agent_id}}}:inbox"
    entry = await anyio.to_thread.run_sync(
        _redis_cli,
        server,
        "XADD",
        inbox,
        "*",
        "text",
        "hello",
        "room",
        "r1",
        "reply_to",
        "my-replies",
    )
    assert entry.strip()
    out = await anyio.to_thread.run_sync(
        _redis_cli, server, "XREAD", "BLOCK", "5000", "STREAMS", "my-replies", "0"
    )
    lines = out.splitlines()
    fields = dict(zip(lines[2::2], lines[3::2], strict=False))
    assert fields["type"] == "reply"
    assert fields["text"] == "echo: hello"
    assert fields["agent_id"] == agent_id
    assert fields["room_id"] == string_to_uuid("r1")


async def test_sigterm_drains_and_exits_zero(
    server: RedisServer, redis: Redis, workers: list[EchoWorkerProcess], tmp_path: Path
) -> None:
    """SIGTERM while a message runs: the worker finishes it, acks it and exits 0."""
    workers.append(EchoWorkerProcess(server.url, "term", ["term-agent"], tmp_path / "w.log"))
    await eventually(lambda: _live_workers(redis, 1), timeout_s=20)
    inbox = keys.inbox(string_to_uuid("term-agent"))
    await redis.xadd(inbox, {"text": "slow:0.6:bye"})
    await eventually(lambda: redis.get("term:runs"))
    code = await anyio.to_thread.run_sync(workers[0].terminate)
    assert code == 0
    assert await redis.get("term:effects") == b"1"
    assert (await redis.xpending(inbox, keys.WORKER_GROUP))["pending"] == 0

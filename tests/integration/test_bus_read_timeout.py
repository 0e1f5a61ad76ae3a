"""swarm's Redis connections time socket reads: a stalled server still fails a read in time."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from redis.exceptions import TimeoutError as RedisTimeoutError

from swarm.bus import connect
from tests.support.redis_server import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    srv = RedisServer(tmp_path / "redis").start()
    yield srv
    if srv.process is not None:
        os.kill(srv.process.pid, signal.SIGCONT)
    srv.stop()


async def test_a_stalled_server_fails_reads_after_the_socket_timeout(server: RedisServer) -> None:
    """While redis-server is stopped, a command and a pipeline raise TimeoutError; then work."""
    assert server.process is not None
    redis = connect(server.url, socket_timeout=0.3)
    try:
        await redis.set("k", "v")
        os.kill(server.process.pid, signal.SIGSTOP)
        with anyio.fail_after(5):  # far more than the 0.3 s timeout: no hang
            with pytest.raises(RedisTimeoutError, match=r"within 0\.3s"):
                await redis.get("k")
            pipe = redis.pipeline(transaction=False)
            pipe.get("k").incr("n")
            with pytest.raises(RedisTimeoutError):
                await pipe.execute()
        os.kill(server.process.pid, signal.SIGCONT)
        assert await redis.get("k") == b"v"
    finally:
        await redis.aclose()


async def test_a_blocking_read_longer_than_each_reply_still_gets_its_answer(
    server: RedisServer,
) -> None:
    """A pipeline whose first reply comes late, within the timeout, gets every reply."""
    redis = connect(server.url, socket_timeout=1.0)
    try:
        pipe = redis.pipeline(transaction=False)
        pipe.xread({"s": "$"}, block=300)  # the server answers after 0.3 s: within 1 s
        for i in range(50):
            pipe.set(f"k{i}", i)
        answers = await pipe.execute()
    finally:
        await redis.aclose()
    assert answers[0] in (None, [], {})
    assert answers[1:] == [True] * 50

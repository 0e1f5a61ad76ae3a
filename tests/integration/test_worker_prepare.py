"""The worker's optional per-batch ``prepare`` hook, against a real (private) Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

import pytest

from swarm.bus import Message, Redis, connect, encode_message
from tests.support.bus import eventually, new_agent, running_worker
from tests.support.echo_handler import EchoHandler
from tests.support.redis_server import RedisServer
from workers import Outcome, PartialSink

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


class PreparingHandler(EchoHandler):
    """EchoHandler that records each prepare() batch and what handle() saw prepared."""

    def __init__(self, redis: Redis, namespace: str, fail: bool = False) -> None:
        super().__init__(redis, namespace)
        self.fail = fail
        self.batches: list[list[str]] = []
        self.prepared_before_handle: list[bool] = []

    async def prepare(self, messages: Sequence[Message]) -> None:
        self.batches.append([m.content.text for m in messages])
        if self.fail:
            raise RuntimeError("lookup failed")

    async def handle(self, message: Message, partial: PartialSink) -> Outcome:
        seen = any(message.content.text in batch for batch in self.batches)
        self.prepared_before_handle.append(seen)
        return await super().handle(message, partial)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    srv = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield srv
    srv.stop()


@pytest.fixture
async def redis(server: RedisServer) -> AsyncIterator[Redis]:
    client = connect(server.url)
    yield client
    await client.aclose()


async def _replies(redis: Redis, stream: str, count: int) -> bool:
    return int(await redis.xlen(stream)) >= count


async def test_prepare_gets_each_batch_before_its_messages_are_handled(redis: Redis) -> None:
    """Entries already waiting are read as one batch: one prepare() call, before handle()."""
    agent = await new_agent(redis)
    for i in range(5):
        fields = encode_message(text=f"m{i}", room=f"room-{i}")
        await redis.xadd(agent.inbox, {**fields, "reply_to": "prep-replies"})
    handler = PreparingHandler(redis, "prep")
    async with running_worker(redis, [agent], handler):
        await eventually(lambda: _replies(redis, "prep-replies", 5))
    assert handler.batches == [["m0", "m1", "m2", "m3", "m4"]]
    assert handler.prepared_before_handle == [True] * 5


async def test_a_failing_prepare_does_not_stop_the_batch(redis: Redis) -> None:
    """prepare() raising is logged; the messages are still answered."""
    agent = await new_agent(redis)
    handler = PreparingHandler(redis, "prep-fail", fail=True)
    async with running_worker(redis, [agent], handler):
        fields = encode_message(text="still answered", room="r")
        await redis.xadd(agent.inbox, {**fields, "reply_to": "prep-fail-replies"})
        await eventually(lambda: _replies(redis, "prep-fail-replies", 1))
    (entry,) = await redis.xrange("prep-fail-replies")
    assert entry[1][b"text"] == b"echo: still answered"
    assert handler.batches == [["still answered"]]

"""SwarmClient.send with a caller-chosen message id (what the gateway relies on)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from swarm.bus import Redis, connect, keys
from swarm.client import SwarmClient
from swarm.errors import ProtocolError
from swarm.ids import derived_id
from tests.support.bus import new_agent, running_worker
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


async def test_the_reply_carries_the_chosen_id_and_a_repeat_is_replayed(redis: Redis) -> None:
    """send(message_id=X) is answered under X; sending X again replays the stored reply."""
    agent = await new_agent(redis, "echo")
    message_id = str(uuid.uuid4())
    async with running_worker(redis, [agent]), SwarmClient(redis=redis) as client:
        first = await client.send(agent.name, "hi", message_id=message_id, timeout=10)
        again = await client.send(agent.name, "hi", message_id=message_id, timeout=10)
        queued = await client.send(
            agent.name, "later", wait=False, message_id=str(uuid.UUID(int=7))
        )
    assert (first.message_id, first.text, first.replayed) == (message_id, "echo: hi", False)
    assert (again.message_id, again.replayed) == (message_id, True)
    assert queued == str(uuid.UUID(int=7))


async def test_without_a_chosen_id_the_message_id_derives_from_the_inbox_entry(
    redis: Redis,
) -> None:
    """send() without message_id sends no id field; the returned id is the entry's derived id."""
    agent = await new_agent(redis, "echo")
    async with SwarmClient(redis=redis) as client:
        queued = await client.send(agent.name, "later", wait=False)
        [(entry_id, fields)] = await client.redis.xrange(agent.inbox)
    async with running_worker(redis, [agent]), SwarmClient(redis=redis) as client:
        first = await client.send(agent.name, "hi", timeout=10)
        second = await client.send(agent.name, "hi", timeout=10)
    assert b"id" not in fields
    assert queued == derived_id("entry", agent.id, entry_id.decode())
    assert (first.text, first.replayed, second.replayed) == ("echo: hi", False, False)
    assert first.message_id != second.message_id


async def test_a_message_id_that_is_not_a_uuid_is_refused_before_sending(redis: Redis) -> None:
    """A non-UUID message id raises ProtocolError and nothing reaches the inbox."""
    agent = await new_agent(redis, "echo")
    async with SwarmClient(redis=redis) as client:
        with pytest.raises(ProtocolError, match="not a UUID"):
            await client.send(agent.name, "hi", wait=False, message_id="abc")
        assert await client.redis.xlen(agent.inbox) == 0
        await client.ping()


async def test_send_deletes_its_reply_stream_before_it_returns(redis: Redis) -> None:
    """When send() returns the reply, the reply stream it read is already gone."""
    agent = await new_agent(redis, "echo")
    async with running_worker(redis, [agent]), SwarmClient(redis=redis) as client:
        reply = await client.send(agent.name, "hi", timeout=10)
        left = [key async for key in redis.scan_iter(match=keys.reply_stream(agent.id, "*"))]
    assert (reply.text, left) == ("echo: hi", [])

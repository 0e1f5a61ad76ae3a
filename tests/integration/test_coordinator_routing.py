"""The coordinator in process on a private Redis: order, expiry, idempotence, takeover."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest

from coordinator import Coordinator, CoordinatorOptions
from swarm.bus import (
    BusCommand,
    Redis,
    connect,
    decode_dead_letter,
    encode_command,
    keys,
    publish,
    register_agent,
)
from swarm.types import now_ms
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration


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


async def inbox_texts(redis: Redis, inbox: str) -> list[str]:
    return [f[b"text"].decode() for _, f in await redis.xrange(inbox)]  # type: ignore[misc]


async def route_all(redis: Redis, coordinator: Coordinator) -> None:
    """Read and route everything on the bus, as the coordinator's loop does."""
    await coordinator._route_batch(await coordinator._read())


async def started(redis: Redis) -> Coordinator:
    coordinator = Coordinator(redis, CoordinatorOptions(block_ms=10))
    from swarm.bus import ensure_group

    await ensure_group(redis, keys.bus_stream(), keys.COORDINATOR_GROUP)
    return coordinator


@pytest.mark.anyio
async def test_messages_for_an_unregistered_name_move_in_order_when_it_registers(
    redis: Redis,
) -> None:
    """Queued for 'nova' before it exists, then a direct one: the inbox holds 1, 2, 3, 4."""
    coordinator = await started(redis)
    for text in ("1", "2", "3"):
        await publish(redis, BusCommand(kind="send", to="nova", text=text))
    await route_all(redis, coordinator)
    record = await register_agent(redis, "nova")
    assert await inbox_texts(redis, record.inbox) == []
    # Sent after the registration but before the flush: it must not overtake the queue.
    await publish(redis, BusCommand(kind="send", to="nova", text="4"))
    await route_all(redis, coordinator)
    await coordinator.flush_queues()
    assert await inbox_texts(redis, record.inbox) == ["1", "2", "3", "4"]
    assert await redis.smembers(keys.queued_names()) == set()  # type: ignore[misc]


@pytest.mark.anyio
async def test_an_expired_queued_message_is_dead_lettered_with_the_reason(redis: Redis) -> None:
    """A message whose ttl passed before its agent registered goes to its dead letters."""
    coordinator = await started(redis)
    sent = now_ms() - 10_000
    await publish(redis, BusCommand(kind="send", to="late", text="old", ttl_ms=5_000, sent_at=sent))
    await publish(
        redis, BusCommand(kind="send", to="late", text="short", ttl_ms=2_000, sent_at=now_ms())
    )
    await route_all(redis, coordinator)
    dead_on_bus = await redis.xrange(keys.bus_dead_letters())
    assert next(decode_dead_letter(f).error for _, f in dead_on_bus).startswith("expired")
    assert [decode_dead_letter(f).fields["text"] for _, f in dead_on_bus] == ["old"]
    await anyio.sleep(2.1)  # the queued message's ttl runs out while nobody is registered
    record = await register_agent(redis, "late")
    await coordinator.flush_queues()
    assert await inbox_texts(redis, record.inbox) == []
    letters = [decode_dead_letter(f) for _, f in await redis.xrange(keys.dead_letters(record.id))]
    assert [(d.fields["text"], d.error.split(":")[0]) for d in letters] == [("short", "expired")]


@pytest.mark.anyio
async def test_routing_one_bus_entry_twice_delivers_it_once(redis: Redis) -> None:
    """A bus entry routed again (its coordinator died before acking) is not doubled."""
    coordinator = await started(redis)
    record = await register_agent(redis, "ada")
    fields = encode_command(BusCommand(kind="send", to="ada", text="once"))
    entry_id = (await redis.xadd(keys.bus_stream(), fields)).decode()  # type: ignore[arg-type]
    raw = {k.encode(): v.encode() for k, v in fields.items()}
    await coordinator._route_batch([(entry_id, raw)])
    await coordinator._route_batch([(entry_id, raw)])
    assert await inbox_texts(redis, record.inbox) == ["once"]


@pytest.mark.anyio
async def test_a_message_past_the_hop_limit_is_stopped(redis: Redis) -> None:
    """An agent-to-agent message with too many hops is dead-lettered, not delivered."""
    coordinator = await started(redis)
    record = await register_agent(redis, "ada")
    await publish(redis, BusCommand(kind="send", to="ada", text="again", sender="x", hops=9))
    await route_all(redis, coordinator)
    assert await inbox_texts(redis, record.inbox) == []
    (letter,) = [decode_dead_letter(f) for _, f in await redis.xrange(keys.bus_dead_letters())]
    assert letter.error.startswith("hop limit")


@pytest.mark.anyio
async def test_broadcast_reaches_every_other_agent_once(redis: Redis) -> None:
    """A broadcast from 'ada' lands once in bob's and cy's inboxes and not in ada's."""
    coordinator = await started(redis)
    ada, bob, cy = [await register_agent(redis, n) for n in ("ada", "bob", "cy")]
    fields = encode_command(BusCommand(kind="broadcast", text="all", sender=ada.id))
    entry_id = (await redis.xadd(keys.bus_stream(), fields)).decode()  # type: ignore[arg-type]
    raw = {k.encode(): v.encode() for k, v in fields.items()}
    await coordinator._route_batch([(entry_id, raw)])
    await coordinator._route_batch([(entry_id, raw)])
    assert [await inbox_texts(redis, r.inbox) for r in (ada, bob, cy)] == [[], ["all"], ["all"]]

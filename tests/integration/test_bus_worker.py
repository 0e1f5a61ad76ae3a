"""The worker's stream machinery against a real (private) Redis, with the in-test EchoHandler."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest

from swarm.bus import Redis, connect, decode_dead_letter, encode_message, keys, room_id
from swarm.client import SwarmClient
from swarm.errors import DeliveryTimeoutError, UnknownAgentError
from tests.support.bus import eventually, new_agent, running_worker
from tests.support.echo_handler import EchoHandler
from tests.support.redis_server import RedisServer
from workers.health import serve_health

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _count(redis: Redis, key: str, at_least: int) -> bool:
    return int(await redis.get(key) or 0) >= at_least


async def _stream_has(redis: Redis, key: str, at_least: int) -> bool:
    return int(await redis.xlen(key)) >= at_least


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


@pytest.fixture
async def client(server: RedisServer) -> AsyncIterator[SwarmClient]:
    async with SwarmClient(server.url) as c:
        yield c


async def test_send_returns_the_agents_reply(redis: Redis, client: SwarmClient) -> None:
    """A message sent with SwarmClient.send is answered through its reply stream."""
    agent = await new_agent(redis)
    async with running_worker(redis, [agent]):
        reply = await client.send(agent.name, "hello", room="r1", timeout=5)
    assert (reply.kind, reply.text, reply.agent_id) == ("reply", "echo: hello", agent.id)
    assert reply.replayed is False


async def test_messages_sent_before_any_worker_are_delivered(
    redis: Redis, client: SwarmClient
) -> None:
    """The group is created at id 0 on registration, so earlier messages are not skipped."""
    agent = await new_agent(redis)
    message_id = await client.send(agent.name, "early", wait=False)
    ns = "early"
    async with running_worker(redis, [agent], EchoHandler(redis, ns)):
        await eventually(lambda: redis.hexists(f"{ns}:replies", message_id))
    assert await redis.hget(f"{ns}:replies", message_id) == b"echo: early"


async def test_each_room_is_stored_in_send_order(redis: Redis) -> None:
    """Rooms run in parallel, but each room's messages are handled in the order sent."""
    agent = await new_agent(redis)
    ns = "order"
    for i in range(60):
        fields = encode_message(text=f"m{i:03d}", room=f"room-{i % 4}")
        await redis.xadd(agent.inbox, fields)  # type: ignore[arg-type]
    async with running_worker(redis, [agent], EchoHandler(redis, ns), concurrency=4, batch_size=7):
        await eventually(lambda: _count(redis, f"{ns}:effects", 60))
    for r in range(4):
        stored = [
            t.decode() for t in await redis.lrange(f"{ns}:order:{room_id(f'room-{r}')}", 0, -1)
        ]
        assert stored == [f"m{i:03d}" for i in range(r, 60, 4)]


async def test_stream_yields_partials_then_the_reply(redis: Redis, client: SwarmClient) -> None:
    """SwarmClient.stream yields each partial response in order, then the final reply."""
    agent = await new_agent(redis)
    async with running_worker(redis, [agent]):
        replies = [r async for r in client.stream(agent.name, "partials please", timeout=5)]
    assert [(r.kind, r.text, r.seq) for r in replies] == [
        ("partial", "thinking", 0),
        ("partial", "almost", 1),
        ("reply", "echo: partials please", 2),
    ]


async def test_unknown_agent_is_a_clear_error(client: SwarmClient) -> None:
    """Sending to a name nobody registered raises UnknownAgentError naming it."""
    with pytest.raises(UnknownAgentError, match="nobody-here"):
        await client.send("nobody-here", "hi")


async def test_no_reply_in_time_raises_delivery_timeout(redis: Redis, client: SwarmClient) -> None:
    """With no worker serving the agent, send() gives up after its timeout."""
    agent = await new_agent(redis)
    with pytest.raises(DeliveryTimeoutError, match=r"within 0\.3s"):
        await client.send(agent.name, "anyone?", timeout=0.3)


async def test_a_redelivered_message_gets_the_stored_reply(
    redis: Redis, client: SwarmClient
) -> None:
    """A second entry with the same message id is answered from the store: no new effect."""
    agent = await new_agent(redis)
    ns = "replay"
    fields = encode_message(text="once", message_id="0b5c3f9e-1111-4a2b-8c3d-123456789abc")
    async with running_worker(redis, [agent], EchoHandler(redis, ns)):
        for _ in range(2):
            await redis.xadd(agent.inbox, {**fields, "reply_to": "replay-stream"})
        await eventually(lambda: _stream_has(redis, "replay-stream", 2))
    entries = await redis.xrange("replay-stream")
    assert [(e[1][b"text"], e[1][b"replayed"]) for e in entries] == [
        (b"echo: once", b"0"),
        (b"echo: once", b"1"),
    ]
    assert await redis.get(f"{ns}:effects") == b"1"


async def test_poison_and_malformed_entries_are_dead_lettered(
    redis: Redis, client: SwarmClient
) -> None:
    """A message that always fails and one that cannot be decoded both reach the dead-letter
    stream with their error and delivery count, and the worker keeps answering."""
    agent = await new_agent(redis)
    async with running_worker(redis, [agent]):
        await redis.xadd(agent.inbox, {"text": "poison", "room": "p"})
        await redis.xadd(agent.inbox, {"room": "m", "content": "{not json"})
        poisoned = await client.send(agent.name, "poison again", room="q", timeout=5)
        after = await client.send(agent.name, "still there?", room="p", timeout=5)
    assert (poisoned.kind, after.text) == ("error", "echo: still there?")
    letters = [decode_dead_letter(f) for _, f in await redis.xrange(keys.dead_letters(agent.id))]
    by_text = {
        (letter.fields.get("text") or letter.fields.get("content")): letter for letter in letters
    }
    assert set(by_text) == {"poison", "{not json", "poison again"}
    assert by_text["poison"].deliveries == 3
    assert "RuntimeError: poison pill swallowed" in by_text["poison"].error
    assert by_text["{not json"].deliveries == 1
    assert "field 'content'" in by_text["{not json"].error
    assert await redis.xpending(agent.inbox, keys.WORKER_GROUP) == {
        "pending": 0,
        "min": None,
        "max": None,
        "consumers": [],
    }


async def test_groups_and_registry_are_recreated_after_a_flush(
    redis: Redis, client: SwarmClient
) -> None:
    """After FLUSHALL (NOGROUP), the worker re-registers its agents and keeps serving."""
    agent = await new_agent(redis)
    async with running_worker(redis, [agent]):
        await redis.flushall()
        await eventually(lambda: redis.hexists(keys.registry(), agent.name))
        reply = await client.send(agent.name, "after flush", timeout=5)
    assert reply.text == "echo: after flush"


async def test_stop_drains_in_flight_work(redis: Redis) -> None:
    """stop() lets a running message finish, stores it and acks it before run() returns."""
    agent = await new_agent(redis)
    ns = "drain"
    await redis.xadd(agent.inbox, {"text": "slow:0.5:x"})
    async with running_worker(redis, [agent], EchoHandler(redis, ns)) as worker:
        await eventually(lambda: redis.get(f"{ns}:runs"))
        worker.stop()
    assert await redis.get(f"{ns}:effects") == b"1"
    assert (await redis.xpending(agent.inbox, keys.WORKER_GROUP))["pending"] == 0


async def test_health_and_metrics_endpoints(redis: Redis, client: SwarmClient) -> None:
    """/health says ok while serving; /metrics counts processed messages in Prometheus text."""
    agent = await new_agent(redis)
    async with running_worker(redis, [agent]) as worker, anyio.create_task_group() as tg:
        port = await tg.start(serve_health, 0, worker.health, worker.metrics.render)
        await client.send(agent.name, "count me", timeout=5)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            health = await http.get("/health")
            metrics = await http.get("/metrics")
            missing = await http.get("/nope")
        tg.cancel_scope.cancel()
    assert (health.status_code, health.json()["status"]) == (200, "ok")
    assert "swarm_messages_processed_total 1.0" in metrics.text
    assert "swarm_message_processing_seconds_bucket" in metrics.text
    assert missing.status_code == 404


async def test_a_long_turn_of_a_live_worker_is_never_stolen(redis: Redis) -> None:
    """A message running far beyond the reclaim idle time stays with its live worker."""
    agent = await new_agent(redis)
    ns = "long"
    handler = EchoHandler(redis, ns)
    async with running_worker(redis, [agent], handler), running_worker(redis, [agent], handler):
        await redis.xadd(agent.inbox, {"text": "slow:1.2:long"})
        await eventually(lambda: _count(redis, f"{ns}:effects", 1))
    assert await redis.get(f"{ns}:runs") == b"1"


async def test_acked_entries_are_trimmed_from_the_inbox(redis: Redis, client: SwarmClient) -> None:
    """Once answered and acked, entries leave the inbox stream."""
    agent = await new_agent(redis)
    async with running_worker(redis, [agent]):
        for i in range(5):
            await client.send(agent.name, f"m{i}", timeout=5)
        await eventually(lambda: _empty(redis, agent.inbox))
    assert await redis.xlen(agent.inbox) == 0


async def _empty(redis: Redis, key: str) -> bool:
    return int(await redis.xlen(key)) == 0


async def test_work_beyond_the_drain_timeout_is_left_pending(redis: Redis) -> None:
    """A turn still running when the drain timeout ends is cancelled and not acked."""
    agent = await new_agent(redis)
    ns = "cut"
    await redis.xadd(agent.inbox, {"text": "slow:30:too long"})
    async with running_worker(
        redis, [agent], EchoHandler(redis, ns), drain_timeout_s=0.2
    ) as worker:
        await eventually(lambda: redis.get(f"{ns}:runs"))
        worker.stop()
    assert worker.state == "stopped"
    assert await redis.get(f"{ns}:effects") is None
    assert (await redis.xpending(agent.inbox, keys.WORKER_GROUP))["pending"] == 1


async def test_the_drain_timeout_cuts_every_running_room(redis: Redis) -> None:
    """With turns of several rooms running past the drain timeout, all are cut and left pending."""
    agent = await new_agent(redis)
    ns = "cut-all"
    for room in ("a", "b", "c"):
        await redis.xadd(agent.inbox, encode_message(text="slow:30:too long", room=room))  # type: ignore[arg-type]
    handler = EchoHandler(redis, ns)
    with anyio.fail_after(5):  # not the 30 s the turns would take
        async with running_worker(redis, [agent], handler, drain_timeout_s=0.2) as worker:
            await eventually(lambda: _count(redis, f"{ns}:runs", 3))
            worker.stop()
    assert worker.state == "stopped"
    assert await redis.get(f"{ns}:effects") is None
    assert (await redis.xpending(agent.inbox, keys.WORKER_GROUP))["pending"] == 3

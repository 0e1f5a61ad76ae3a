"""The HTTP gateway over a real socket, a private Redis, a SQLite store and a real worker."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from swarm.bus import Redis, connect
from swarm.client import SwarmClient
from swarm.memory import MemoryStore, RetryPolicy, create_store
from tests.support.bus import eventually, new_agent
from tests.support.gateway import API_KEY, gateway_settings, running_gateway, serving_agent
from tests.support.redis_server import RedisServer, free_port

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of this module's own (the registry key is global to a Redis db)."""
    server = RedisServer(tmp_path_factory.mktemp("gateway-redis")).start()
    yield server
    server.stop()


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = connect(redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[MemoryStore]:
    s = create_store(f"sqlite+aiosqlite:///{tmp_path}/store.db")
    await s.init()
    yield s
    await s.close()


@pytest.fixture
async def http(redis: Redis, store: MemoryStore) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway with the default test settings (API key set, generous limits)."""
    async with (
        SwarmClient(redis=redis, sender="gateway") as client,
        running_gateway(client, store, gateway_settings()) as http,
    ):
        yield http


async def test_post_waits_for_the_agents_reply(
    http: httpx.AsyncClient, redis: Redis, store: MemoryStore
) -> None:
    """POST /agents/{name}/messages returns the reply a real worker's runtime produced."""
    agent = await new_agent(redis, "wren")
    async with serving_agent(redis, store, agent):
        response = await http.post(
            f"/agents/{agent.name}/messages", json={"text": "hello", "room": "r1"}, headers=AUTH
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["agent_id"] == agent.id
    assert body["responded"] is True
    assert body["model"] == "offline"
    assert body["text"].startswith("Hi ")
    assert body["content"]["text"] == body["text"]
    uuid.UUID(body["message_id"])


async def test_wait_false_answers_202_then_the_reply_is_readable(
    http: httpx.AsyncClient, redis: Redis, store: MemoryStore
) -> None:
    """wait=false gives 202 + Location; GET /messages/{id} then returns the stored reply."""
    agent = await new_agent(redis, "wren")
    async with serving_agent(redis, store, agent):
        response = await http.post(
            f"/agents/{agent.name}/messages", json={"text": "hello", "wait": False}, headers=AUTH
        )
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert response.headers["location"] == accepted["location"]
        assert accepted["location"] == f"/messages/{accepted['message_id']}"

        async def answered() -> bool:
            reply = await http.get(accepted["location"], headers=AUTH)
            assert reply.status_code in (200, 404), reply.text
            return reply.status_code == 200

        await eventually(answered)
    reply = (await http.get(accepted["location"], headers=AUTH)).json()
    assert reply["message_id"] == accepted["message_id"]
    assert reply["agent_id"] == agent.id
    assert reply["responded"] is True
    assert reply["text"].startswith("Hi ")
    assert reply["model"] == "offline"


async def test_reply_not_there_yet_is_404_pending(http: httpx.AsyncClient, redis: Redis) -> None:
    """A message no worker has handled yet: GET /messages/{id} is 404 reply_pending."""
    agent = await new_agent(redis, "idle")
    accepted = await http.post(
        f"/agents/{agent.name}/messages", json={"text": "hi", "wait": False}, headers=AUTH
    )
    assert accepted.status_code == 202
    response = await http.get(accepted.json()["location"], headers=AUTH)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "reply_pending"
    assert response.headers["retry-after"] == "1"


async def test_unknown_message_id_is_404(http: httpx.AsyncClient) -> None:
    """GET /messages/{id} for an id the gateway never sent is 404 unknown_message."""
    mid = str(uuid.uuid4())
    response = await http.get(f"/messages/{mid}", headers=AUTH)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_message"
    assert mid in error["message"]


async def test_no_reply_in_time_is_504_with_the_message_id(
    http: httpx.AsyncClient, redis: Redis
) -> None:
    """wait=true to an agent no worker serves: 504 reply_timeout naming the message id."""
    agent = await new_agent(redis, "idle")
    response = await http.post(
        f"/agents/{agent.name}/messages", json={"text": "hi", "timeout_s": 0.2}, headers=AUTH
    )
    assert response.status_code == 504
    error = response.json()["error"]
    assert error["code"] == "reply_timeout"
    assert f"/messages/{error['message_id']}" in error["message"]


async def test_unknown_agent_is_404_naming_it(http: httpx.AsyncClient) -> None:
    """Messages to, or a lookup of, an unregistered agent are 404 unknown_agent with its name."""
    for response in (
        await http.post("/agents/nobody-xyz/messages", json={"text": "hi"}, headers=AUTH),
        await http.get("/agents/nobody-xyz", headers=AUTH),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "unknown_agent"
        assert "'nobody-xyz'" in response.json()["error"]["message"]


async def test_agents_are_listed_and_looked_up(http: httpx.AsyncClient, redis: Redis) -> None:
    """GET /agents lists registered agents; GET /agents/{name} accepts a name or an id."""
    agent = await new_agent(redis, "listed")
    listed = (await http.get("/agents", headers=AUTH)).json()["agents"]
    assert {"name": agent.name, "id": agent.id, "inbox": agent.inbox} in [
        {k: a[k] for k in ("name", "id", "inbox")} for a in listed
    ]
    by_name = (await http.get(f"/agents/{agent.name}", headers=AUTH)).json()
    by_id = (await http.get(f"/agents/{agent.id}", headers=AUTH)).json()
    assert by_name == by_id
    assert by_name["id"] == agent.id
    # No worker hosts it: registered, offline, nothing waiting yet.
    assert (by_name["status"], by_name["workers"], by_name["queued"]) == ("offline", 0, 0)


async def test_api_key_is_required_everywhere_but_health(http: httpx.AsyncClient) -> None:
    """No key: 401 missing_api_key; a wrong one: 401 invalid_api_key; /health needs none."""
    missing = await http.get("/agents")
    wrong = await http.get("/agents", headers={"Authorization": "Bearer nope"})
    wrong_header = await http.get("/openapi.json", headers={"X-API-Key": API_KEY + "x"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "missing_api_key")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "invalid_api_key")
    assert wrong_header.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert API_KEY not in wrong.text
    assert (await http.get("/health")).status_code == 200


async def test_the_right_key_works_as_bearer_or_x_api_key(http: httpx.AsyncClient) -> None:
    """The key is accepted as 'Authorization: Bearer' and as 'X-API-Key'."""
    assert (await http.get("/agents", headers=AUTH)).status_code == 200
    assert (await http.get("/agents", headers={"X-API-Key": API_KEY})).status_code == 200
    assert (await http.get("/metrics", headers={"authorization": f"bearer {API_KEY}"})).is_success


async def test_a_body_over_the_limit_is_413(redis: Redis, store: MemoryStore) -> None:
    """Bodies over gateway_max_body_bytes get 413 JSON, with or without Content-Length."""
    settings = gateway_settings(gateway_max_body_bytes=1024)
    big = b'{"text": "' + b"x" * 2000 + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 256):
            yield big[start : start + 256]

    async with (
        SwarmClient(redis=redis) as client,
        running_gateway(client, store, settings) as http,
    ):
        agent = await new_agent(redis, "big")
        url = f"/agents/{agent.name}/messages"
        sized = await http.post(url, content=big, headers=AUTH)
        chunked = await http.post(url, content=chunks(), headers=AUTH)
        small = await http.post(url, json={"text": "hi", "wait": False}, headers=AUTH)
    assert "content-length" not in chunked.request.headers
    for response in (sized, chunked):
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "body_too_large"
        assert "1024 bytes" in response.json()["error"]["message"] or "large" in response.text
    assert small.status_code == 202


async def test_a_client_over_its_rate_gets_429_with_retry_after(
    redis: Redis, store: MemoryStore
) -> None:
    """With a burst of 2 and a slow refill, the third request is 429 with Retry-After."""
    settings = gateway_settings(gateway_burst=2, gateway_rate_per_s=0.01)
    async with (
        SwarmClient(redis=redis) as client,
        running_gateway(client, store, settings) as http,
    ):
        first = await http.get("/agents", headers=AUTH)
        second = await http.get("/agents", headers=AUTH)
        third = await http.get("/agents", headers=AUTH)
        health = await http.get("/health")
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert third.json()["error"]["code"] == "rate_limited"
    assert int(third.headers["retry-after"]) >= 1
    assert health.status_code == 200


async def test_invalid_body_is_422_json(http: httpx.AsyncClient, redis: Redis) -> None:
    """A body that breaks the schema gets 422 invalid_request naming the field."""
    agent = await new_agent(redis, "strict")
    response = await http.post(
        f"/agents/{agent.name}/messages", json={"text": "", "bogus": 1}, headers=AUTH
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert "body.text" in error["message"]
    assert "body.bogus" in error["message"]


async def test_metrics_count_requests_by_route_and_status(http: httpx.AsyncClient) -> None:
    """/metrics reports requests by route template and status, refusals included."""
    await http.get("/agents/ghost-1", headers=AUTH)
    await http.get("/agents/ghost-2", headers=AUTH)
    await http.get("/agents")
    text = (await http.get("/metrics", headers=AUTH)).text
    assert (
        'swarm_gateway_requests_total{method="GET",route="/agents/{name}",status="404"} 2.0' in text
    )
    assert 'swarm_gateway_requests_total{method="GET",route="/agents",status="401"} 1.0' in text
    assert "swarm_gateway_request_duration_seconds_bucket" in text


async def test_health_is_503_naming_redis_when_it_is_down(
    tmp_path: Path, store: MemoryStore
) -> None:
    """/health is 200 while Redis answers, 503 with checks.redis failing once it is gone."""
    server = RedisServer(tmp_path / "redis").start()
    try:
        async with (
            SwarmClient(server.url) as client,
            running_gateway(client, store, gateway_settings()) as http,
        ):
            up = await http.get("/health")
            server.stop()
            down = await http.get("/health")
    finally:
        server.stop()
    assert up.status_code == 200
    assert up.json()["checks"] == {"redis": "ok", "store": "ok"}
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["store"] == "ok"
    assert body["checks"]["redis"].startswith("unreachable")
    assert body["error"]["failing"] == ["redis"]
    assert "redis" in body["error"]["message"]


async def test_health_is_503_naming_the_store_when_it_fails(redis: Redis) -> None:
    """A PostgreSQL store nobody listens for makes /health 503 naming the store, Redis ok."""
    url = f"postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:{free_port()}/test"
    store = create_store(url, pool_size=1, retry=RetryPolicy(attempts=1))
    try:
        async with (
            SwarmClient(redis=redis) as client,
            running_gateway(client, store, gateway_settings()) as http,
        ):
            response = await http.get("/health")
    finally:
        await store.close()
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "ok"
    assert response.json()["error"]["failing"] == ["store"]
    assert "s3cret-pw" not in response.text


async def test_without_an_api_key_the_gateway_is_open_and_warns_once(
    redis: Redis, store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    """api_key unset: requests need no key, and one startup warning says so."""
    with caplog.at_level(logging.WARNING, logger="swarm.gateway"):
        async with (
            SwarmClient(redis=redis) as client,
            running_gateway(client, store, gateway_settings(api_key=None)) as http,
        ):
            statuses = [(await http.get("/agents")).status_code for _ in range(2)]
    assert statuses == [200, 200]
    warnings = [r for r in caplog.records if "SWARM_API_KEY is not set" in r.getMessage()]
    assert len(warnings) == 1

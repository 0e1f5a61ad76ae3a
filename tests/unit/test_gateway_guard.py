"""The gateway's guard middleware (API key, rate limit, body size) around a tiny ASGI app."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from swarm.gateway import Guard, RateLimiter
from swarm.gateway.guard import presented_key

pytestmark = pytest.mark.anyio


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"size": len(await request.body())})


def guarded(key: str | None = "k3y", burst: int = 100) -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/x", echo, methods=["GET", "POST"]), Route("/health", echo)])
    limiter = RateLimiter(0.001, burst)
    wrapped = Guard(app, api_key=key, limiter=limiter, max_body_bytes=10)
    return httpx.AsyncClient(transport=httpx.ASGITransport(wrapped), base_url="http://t")


def test_the_key_is_read_from_bearer_then_x_api_key() -> None:
    """'Authorization: Bearer' wins (any case), 'X-API-Key' is the fallback, Basic is no key."""
    assert presented_key([(b"authorization", b"Bearer abc")]) == b"abc"
    assert presented_key([(b"Authorization", b"bearer  abc ")]) == b"abc"
    assert presented_key([(b"x-api-key", b"xyz")]) == b"xyz"
    assert presented_key([(b"authorization", b"Basic Zm9v")]) is None
    assert presented_key([]) is None


async def test_without_a_configured_key_everything_passes() -> None:
    """api_key None: no authentication at all."""
    async with guarded(key=None) as http:
        assert (await http.get("/x")).status_code == 200


async def test_wrong_or_missing_keys_are_401_and_health_is_open() -> None:
    """Missing and wrong keys are refused as JSON; /health needs no key."""
    async with guarded() as http:
        missing = await http.get("/x")
        wrong = await http.get("/x", headers={"X-API-Key": "k3"})
        right = await http.get("/x", headers={"X-API-Key": "k3y"})
        health = await http.get("/health")
    assert missing.json()["error"]["code"] == "missing_api_key"
    assert wrong.json()["error"]["code"] == "invalid_api_key"
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert health.status_code == 200


async def test_failed_key_guesses_are_rate_limited_by_address() -> None:
    """Guessing keys spends the address's tokens: after the burst, guesses get 429."""
    async with guarded(burst=2) as http:
        codes = [
            (await http.get("/x", headers={"X-API-Key": f"g{i}"})).status_code for i in range(3)
        ]
    assert codes == [401, 401, 429]


async def test_a_bad_content_length_is_400() -> None:
    """A Content-Length that is not a number is refused before the app reads anything."""
    async with guarded(key=None) as http:
        response = await http.post("/x", content=b"12", headers={"Content-Length": "zz"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_content_length"


async def test_a_body_at_the_limit_passes_and_one_byte_more_is_413() -> None:
    """max_body_bytes is inclusive."""
    async with guarded(key=None) as http:
        at = await http.post("/x", content=b"x" * 10)
        over = await http.post("/x", content=b"x" * 11)
    assert (at.status_code, at.json()) == (200, {"size": 10})
    assert over.status_code == 413

"""The gateway's front door, as one ASGI middleware: API key, rate limit, body size.

Order per request: find out who the client is (a valid API key, else its address), spend one
of its rate-limit tokens (so that guessing keys is rate limited too), refuse a missing or
wrong key, then refuse a body over the limit (by ``Content-Length`` up front, and by counting
bytes for bodies sent without one). ``/health`` passes untouched: probes carry no key.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from swarm.gateway.problems import error_response
from swarm.gateway.ratelimit import RateLimiter

__all__ = ["OPEN_PATHS", "Guard"]

OPEN_PATHS = frozenset({"/health"})
"""Paths served without an API key and outside the rate limit (readiness probes)."""

_BEARER = b"bearer "


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def presented_key(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The key a request carries: ``Authorization: Bearer <key>``, else ``X-API-Key``."""
    headers = list(headers)
    authorization = _header(headers, b"authorization")
    if authorization is not None and authorization[: len(_BEARER)].lower() == _BEARER:
        return authorization[len(_BEARER) :].strip()
    return _header(headers, b"x-api-key")


class Guard:
    """Pure ASGI middleware (no per-request task or body buffering)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_key: str | None,
        limiter: RateLimiter,
        max_body_bytes: int,
    ) -> None:
        self.app = app
        self._key = api_key.encode() if api_key else None
        self._limiter = limiter
        self._max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        client, refusal = self._identify(headers, scope)
        wait_s = self._limiter.take(client)
        if wait_s > 0:
            retry_after = str(max(1, math.ceil(wait_s)))
            response = error_response(
                429,
                "rate_limited",
                f"too many requests from this client; retry after {retry_after} s "
                "(the limit is per API key, else per address)",
                {"Retry-After": retry_after},
            )
            await response(scope, receive, send)
            return
        if refusal is not None:
            code, message = refusal
            await error_response(401, code, message, {"WWW-Authenticate": "Bearer"})(
                scope, receive, send
            )
            return
        length = _header(headers, b"content-length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                size = -1
            if size < 0:
                await error_response(
                    400, "bad_content_length", "Content-Length must be a whole number of bytes"
                )(scope, receive, send)
                return
            if size > self._max_body_bytes:
                await self._too_large()(scope, receive, send)
                return
        await self.app(scope, self._limited(receive), send)

    def _identify(
        self, headers: Iterable[tuple[bytes, bytes]], scope: Scope
    ) -> tuple[str, tuple[str, str] | None]:
        """(rate-limit client id, None or the (code, message) to refuse the request with)."""
        address = scope.get("client")
        by_address = f"addr:{address[0] if address else 'unknown'}"
        if self._key is None:
            return by_address, None
        presented = presented_key(headers)
        if presented is None:
            return by_address, (
                "missing_api_key",
                "this gateway needs an API key: send 'Authorization: Bearer <key>' "
                "or 'X-API-Key: <key>' (the key is SWARM_API_KEY of the gateway)",
            )
        # Constant time: how much of a guess matches must not show in the response time.
        if not hmac.compare_digest(presented, self._key):
            return by_address, (
                "invalid_api_key",
                "the API key is wrong; send the gateway's SWARM_API_KEY as "
                "'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            )
        return "key:" + hashlib.sha256(presented).hexdigest()[:16], None

    def _too_large(self) -> JSONResponse:
        return error_response(
            413,
            "body_too_large",
            f"the request body exceeds {self._max_body_bytes} bytes; send a shorter message",
        )

    def _limited(self, receive: Receive) -> Receive:
        limit = self._max_body_bytes
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the route's body read: FastAPI re-raises HTTPException,
                    # and the problems handler answers it as JSON.
                    raise HTTPException(413)
            return message

        return limited_receive

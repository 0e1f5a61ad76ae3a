"""Every gateway error as JSON ``{"error": {"code", "message"}}``, and the handlers that say so.

``code`` is a stable snake_case word for programs; ``message`` tells a person what happened
and what to do next.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from swarm.errors import StoreError, SwarmError

__all__ = ["ApiError", "error_body", "error_response", "install_handlers"]

log = logging.getLogger("swarm.gateway")

# Messages for the statuses Starlette raises itself (unmatched routes, wrong methods, ...).
_HTTP_CODES: dict[int, tuple[str, str]] = {
    404: ("not_found", "no such path; the API is described at /openapi.json"),
    405: ("method_not_allowed", "this path does not take that method; see the Allow header"),
    413: ("body_too_large", "the request body is too large; send a smaller one"),
}


class ApiError(Exception):
    """An error the gateway answers with ``status`` and a JSON body (raised by routes)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """``{"error": {"code": ..., "message": ..., **extra}}``."""
    return {"error": {"code": code, "message": message, **extra}}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A JSON error response."""
    return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc) or "request"


def install_handlers(app: FastAPI) -> None:
    """Turn every exception a request can raise into the JSON error shape."""

    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [f"{_where(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()]
        message = "; ".join(problems[:5]) + "; fix the request (schema: /openapi.json)"
        return error_response(422, "invalid_request", message)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        return error_response(exc.status_code, code, message, exc.headers)

    async def on_redis(request: Request, exc: Exception) -> JSONResponse:
        log.warning("redis unavailable during %s %s: %r", request.method, request.url.path, exc)
        return error_response(
            503,
            "redis_unavailable",
            "the gateway cannot reach Redis right now; retry shortly (operators: see /health)",
            {"Retry-After": "5"},
        )

    async def on_store(request: Request, exc: Exception) -> JSONResponse:
        log.warning("store error during %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            503,
            "store_unavailable",
            "the gateway cannot read the memory store right now; retry shortly "
            "(operators: see /health)",
            {"Retry-After": "5"},
        )

    async def on_swarm(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed: %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", f"{exc}")

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(
            500, "internal_error", "the gateway failed unexpectedly; see its logs and report it"
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(redis.exceptions.ConnectionError, on_redis)
    app.add_exception_handler(redis.exceptions.TimeoutError, on_redis)
    app.add_exception_handler(StoreError, on_store)
    app.add_exception_handler(SwarmError, on_swarm)
    app.add_exception_handler(Exception, on_unexpected)

"""A tiny HTTP endpoint per worker: ``GET /health`` (JSON) and ``GET /metrics`` (Prometheus).

Hand-written on anyio streams: two read-only paths do not justify a web framework here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import anyio
import msgspec
from anyio.abc import SocketStream, TaskStatus

__all__ = ["serve_health"]

log = logging.getLogger("swarm.worker.health")
_REQUEST_LIMIT = 8192
_READ_TIMEOUT_S = 5.0


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def serve_health(
    port: int,
    health: Callable[[], dict[str, object]],
    metrics: Callable[[], bytes],
    *,
    host: str = "0.0.0.0",  # probes come from outside the container
    task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Serve until cancelled; reports the bound port (``port=0`` picks a free one)."""
    listener = await anyio.create_tcp_listener(local_host=host, local_port=port)
    bound = listener.extra(anyio.abc.SocketAttribute.local_port)
    log.info("health endpoint listening on %s:%d", host, bound)

    async def serve(stream: SocketStream) -> None:
        async with stream:
            request = b""
            with anyio.move_on_after(_READ_TIMEOUT_S):
                while b"\r\n\r\n" not in request and len(request) < _REQUEST_LIMIT:
                    try:
                        request += await stream.receive()
                    except (anyio.EndOfStream, anyio.BrokenResourceError):
                        return
            parts = request.split(b" ", 2)
            path = parts[1].decode("latin-1") if len(parts) > 1 else ""
            if path == "/health":
                state = health()
                ok = state.get("status") == "ok"
                body = msgspec.json.encode(state)
                status = "200 OK" if ok else "503 Service Unavailable"
                reply = _response(status, "application/json", body)
            elif path == "/metrics":
                reply = _response("200 OK", "text/plain; version=0.0.4", metrics())
            else:
                reply = _response("404 Not Found", "text/plain", b"try /health or /metrics\n")
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                await stream.send(reply)

    task_status.started(bound)
    await listener.serve(serve)

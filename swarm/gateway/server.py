"""Serve the gateway app with uvicorn, on a socket bound before readiness is reported."""

from __future__ import annotations

import logging
import socket

import anyio
import uvicorn
from anyio.abc import TaskStatus
from starlette.types import ASGIApp

__all__ = ["GatewayServer"]

log = logging.getLogger("swarm.gateway")


class GatewayServer:
    """One uvicorn server for ``app`` on ``host:port`` (port 0 picks a free one).

    ``await tg.start(server.run)`` returns the bound port once connections are accepted
    (the socket listens before uvicorn starts, so none is refused). SIGTERM/SIGINT, or
    ``stop()``, stop accepting and let open requests finish for up to ``drain_timeout_s``.
    """

    def __init__(
        self, app: ASGIApp, host: str = "127.0.0.1", port: int = 8080, drain_timeout_s: float = 30
    ) -> None:
        self._host = host
        self._port = port
        config = uvicorn.Config(
            app,
            lifespan="off",  # the composition root owns Redis and the store, not the app
            log_config=None,  # keep the process' logging setup
            access_log=False,  # one line per request is the metrics' job, not the log's
            timeout_graceful_shutdown=max(1, round(drain_timeout_s)),
            server_header=False,
        )
        self._server = uvicorn.Server(config)

    async def run(self, *, task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED) -> None:
        """Serve until stopped; reports the bound port."""
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
            sock.listen(2048)
            sock.setblocking(False)
            port = int(sock.getsockname()[1])
            log.info("gateway listening on http://%s:%d", self._host, port)
            task_status.started(port)
            await self._server.serve(sockets=[sock])
        finally:
            sock.close()

    def stop(self) -> None:
        """Stop accepting; open requests finish (up to the drain timeout), then run() returns."""
        self._server.should_exit = True

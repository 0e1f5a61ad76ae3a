"""``create_app(client, store, settings)``: the gateway as an ASGI application."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from fastapi import FastAPI

from swarm.client import SwarmClient
from swarm.gateway.guard import Guard
from swarm.gateway.metrics import GatewayMetrics, MetricsMiddleware, route_label
from swarm.gateway.problems import install_handlers
from swarm.gateway.ratelimit import RateLimiter
from swarm.gateway.routes import ReplyStore, Routes
from swarm.settings import Settings

__all__ = ["create_app"]

log = logging.getLogger("swarm.gateway")

_DESCRIPTION = """\
Talk to a swarm fleet over HTTP: send messages to agents and read their replies.

Every path but `/health` needs the API key (`SWARM_API_KEY`) as `Authorization: Bearer <key>`
or `X-API-Key: <key>`. Every error is JSON: `{"error": {"code": ..., "message": ...}}`.
Delegation (`POST /tasks`) comes with the coordinator.
"""


def create_app(
    client: SwarmClient,
    store: ReplyStore,
    settings: Settings,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """The gateway app over an open ``client`` and an initialised ``store``.

    The caller owns both (and closes them); the app holds no other resources. ``clock``
    drives the rate limiter (tests pass a fake one).
    """
    from swarm import __version__  # the package root imports much; only the app needs this

    api_key = settings.api_key.get_secret_value() if settings.api_key is not None else ""
    if not api_key:
        log.warning(
            "SWARM_API_KEY is not set: the gateway answers anyone who can reach it; "
            "set it everywhere but on a developer machine"
        )
    app = FastAPI(
        title="swarm gateway",
        version=__version__,
        description=_DESCRIPTION,
        docs_url=None,  # the UI pages load scripts from a CDN; /openapi.json is what clients use
        redoc_url=None,
    )
    install_handlers(app)
    metrics = GatewayMetrics()
    routers = Routes(client, store, metrics).routers()
    for router in routers:
        app.include_router(router)
    templates = [
        app.openapi_url or "",
        *(getattr(r, "path", "") for x in routers for r in x.routes),
    ]
    limiter = RateLimiter(settings.gateway_rate_per_s, settings.gateway_burst, clock=clock)
    app.add_middleware(
        Guard,
        api_key=api_key or None,
        limiter=limiter,
        max_body_bytes=settings.gateway_max_body_bytes,
    )
    # Added last, so outermost: it also counts what the guard refuses.
    app.add_middleware(
        MetricsMiddleware, metrics=metrics, label=route_label(t for t in templates if t)
    )
    app.state.metrics = metrics
    app.state.limiter = limiter
    return app

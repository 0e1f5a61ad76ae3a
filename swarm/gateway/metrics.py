"""The gateway's Prometheus metrics: requests by route and status, and their latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["GatewayMetrics", "MetricsMiddleware", "route_label"]

_LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
UNMATCHED = "unmatched"
"""The route label of requests to paths the API does not have (keeps label values bounded)."""


class GatewayMetrics:
    """Counters and the latency histogram, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "swarm_gateway_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "swarm_gateway_request_duration_seconds",
            "Time to answer one request (replies included), by route template",
            ["route", "method"],
            buckets=_LATENCY_BUCKETS_S,
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)


def route_label(templates: Iterable[str]) -> Callable[[Scope], str]:
    """A function naming the route template a request's path matches (``/agents/{name}``).

    Matched on the templates themselves (Starlette's path compiler), not on the app's
    router objects, whose shape changes between FastAPI versions.
    """
    compiled = [(compile_path(template)[0], template) for template in templates]

    def label(scope: Scope) -> str:
        path = str(scope.get("path", ""))
        for regex, template in compiled:
            if regex.match(path):
                return template
        return UNMATCHED

    return label


class MetricsMiddleware:
    """Pure ASGI middleware counting every response, the guard's refusals included."""

    def __init__(
        self, app: ASGIApp, *, metrics: GatewayMetrics, label: Callable[[Scope], str]
    ) -> None:
        self.app = app
        self._metrics = metrics
        self._label = label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self._label(scope)  # before the app: routing adds keys to the scope
        method = str(scope.get("method", ""))
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            self._metrics.requests.labels(route, method, str(status)).inc()
            self._metrics.latency.labels(route, method).observe(time.perf_counter() - started)

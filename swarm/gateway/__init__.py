"""The HTTP gateway (``swarm serve``): messages to agents, replies, agents, health, metrics.

::

    app = create_app(client, store, settings)     # a FastAPI (ASGI) app
    await tg.start(GatewayServer(app, host, port).run)
"""

from swarm.gateway.app import create_app
from swarm.gateway.guard import OPEN_PATHS, Guard
from swarm.gateway.lookup import MESSAGE_TTL_S, message_key
from swarm.gateway.metrics import GatewayMetrics
from swarm.gateway.problems import ApiError
from swarm.gateway.ratelimit import RateLimiter
from swarm.gateway.routes import ReplyStore
from swarm.gateway.server import GatewayServer

__all__ = [
    "MESSAGE_TTL_S",
    "OPEN_PATHS",
    "ApiError",
    "GatewayMetrics",
    "GatewayServer",
    "Guard",
    "RateLimiter",
    "ReplyStore",
    "create_app",
    "message_key",
]

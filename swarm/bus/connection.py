"""Redis connections from a URL: redis.asyncio, with hiredis parsing when it is installed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis.asyncio as aioredis

from swarm.errors import ConfigError
from swarm.models.wire import redact_url

if TYPE_CHECKING:
    Redis = aioredis.Redis
else:
    Redis = aioredis.Redis

__all__ = ["CONNECT_TIMEOUT_S", "Redis", "connect", "redact_url"]

CONNECT_TIMEOUT_S = 5.0
"""A Redis that does not accept the connection within this long counts as down."""


def connect(url: str, *, max_connections: int | None = None) -> Redis:
    """A client for ``url`` (``redis://``, ``rediss://`` or ``unix://``); no I/O happens yet.

    Replies are bytes: stream fields are decoded by :mod:`swarm.bus.envelope`, which reports
    bad bytes instead of failing inside the client.
    """
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            f"Redis URL {redact_url(url)!r} must start with redis://, rediss:// or unix://; "
            "set SWARM_REDIS_URL, e.g. redis://127.0.0.1:6379/0"
        )
    try:
        return aioredis.Redis.from_url(
            url,
            decode_responses=False,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_keepalive=True,
            max_connections=max_connections,
        )
    except ValueError as exc:  # a malformed URL; never echo it (it may hold a password)
        raise ConfigError(f"Redis URL {redact_url(url)!r} is malformed: {exc}") from None

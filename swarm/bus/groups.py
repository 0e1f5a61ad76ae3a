"""Consumer-group helpers: create at id 0, tolerate BUSYGROUP, recognise NOGROUP."""

from __future__ import annotations

from collections.abc import Iterable

from redis.exceptions import ResponseError

from swarm.bus.connection import Redis
from swarm.bus.keys import WORKER_GROUP

__all__ = ["ensure_group", "ensure_groups", "is_nogroup"]


def is_nogroup(exc: BaseException) -> bool:
    """True when the stream or its group vanished under us (a flush, a restart without data).

    That is NOGROUP, or UNBLOCKED: Redis 7 wakes a blocked XREADGROUP whose stream was deleted.
    """
    if not isinstance(exc, ResponseError):
        return False
    # Inside a pipeline redis-py prefixes the server's words with the failing command.
    said = str(exc).rpartition("caused error: ")[2]
    return said.startswith(("NOGROUP", "UNBLOCKED"))


async def ensure_group(redis: Redis, stream: str, group: str = WORKER_GROUP) -> bool:
    """Create ``group`` on ``stream`` at id 0 (creating the stream); True when it was new.

    Id 0, not ``$``: messages published before any worker started are delivered too.
    """
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if str(exc).startswith("BUSYGROUP"):
            return False
        raise
    return True


async def ensure_groups(redis: Redis, streams: Iterable[str], group: str = WORKER_GROUP) -> None:
    """``ensure_group`` for each stream."""
    for stream in streams:
        await ensure_group(redis, stream, group)

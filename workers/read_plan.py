"""How a worker reads its inboxes: one blocking XREADGROUP, or slot-grouped sweeps on a cluster.

On a single Redis every hosted inbox is read by ONE blocking ``XREADGROUP`` (the hot path).
Redis Cluster refuses a command whose keys hash to different slots (CROSSSLOT), and agents'
inboxes are spread over slots by their ``{agent_id}`` hash tags, so there the inboxes are
grouped by slot and a read is a *sweep*: one non-transactional pipeline holding a
non-blocking ``XREADGROUP`` per slot group (redis-py sends each node its share at once).
A sweep that finds nothing is repeated after a pause that doubles from :data:`POLL_MIN_S`
to :data:`POLL_MAX_S`, until ``block_ms`` has passed: no blocking read can wait on several
slots, and blocking reads per slot could only be woken by cancelling them, which would lose
entries Redis had already handed over (they would wait for a retry instead).

A cluster worker hosting agents of one slot (one agent, say) still takes the blocking path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio

from swarm.bus import Redis, is_cluster, keys

__all__ = ["POLL_MAX_S", "POLL_MIN_S", "slot_groups", "sweep"]

POLL_MIN_S = 0.001
"""First pause after an empty sweep: a message that arrives mid-burst waits little."""
POLL_MAX_S = 0.02
"""Longest pause between sweeps of an idle cluster worker: the latency it adds at worst."""


def slot_groups(redis: Redis, inboxes: Sequence[str]) -> list[list[str]]:
    """``inboxes`` grouped so that each group hashes to one slot; one group on a single Redis."""
    if not is_cluster(redis) or len(inboxes) < 2:
        return [list(inboxes)]
    keyslot: Any = redis.keyslot  # type: ignore[attr-defined]  # RedisCluster only
    groups: dict[int, list[str]] = {}
    for inbox in inboxes:
        groups.setdefault(int(keyslot(inbox)), []).append(inbox)
    return list(groups.values())


async def sweep(
    redis: Redis, groups: Sequence[Sequence[str]], consumer: str, count: int, block_ms: int
) -> list[tuple[bytes, list[Any]]]:
    """New entries of every group as ``XREADGROUP`` returns them: ``[(stream, items)]``.

    At most about ``count`` entries in all (each group gets an even share, at least one).
    Empty once ``block_ms`` passed with nothing new.
    """
    share = max(1, count // len(groups))
    deadline = anyio.current_time() + block_ms / 1000
    pause_s = POLL_MIN_S
    while True:
        pipe = redis.pipeline(transaction=False)
        for group in groups:
            pipe.xreadgroup(keys.WORKER_GROUP, consumer, dict.fromkeys(group, ">"), count=share)
        found = [stream for streams in await pipe.execute() if streams for stream in streams]
        left_s = deadline - anyio.current_time()
        if found or left_s <= 0:
            return found
        await anyio.sleep(min(pause_s, left_s))
        pause_s = min(pause_s * 2, POLL_MAX_S)

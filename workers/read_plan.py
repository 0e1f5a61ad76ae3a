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
from workers.pending import SCAN_LIMIT

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
) -> tuple[list[Any], list[str]]:
    """New entries of every group, shaped like the single-Redis read pipeline's reply.

    Returns ``([streams, *pending rows], inboxes)``: ``streams`` as ``XREADGROUP`` returns
    them (at most about ``count`` entries: each group gets an even share, at least one),
    then each of ``inboxes``' ``XPENDING`` rows read right after. Only the first sweep carries
    the ``XPENDING``s (a busy worker finds entries at once); an entry found by a later sweep
    comes without them (``[streams]``), and the ordering check reads them itself. Nothing
    new within ``block_ms``: ``[[]]``.
    """
    share = max(1, count // len(groups))
    inboxes = [inbox for group in groups for inbox in group]
    deadline = anyio.current_time() + block_ms / 1000
    pause_s = POLL_MIN_S
    snapshot = True
    while True:
        pipe = redis.pipeline(transaction=False)
        for group in groups:
            pipe.xreadgroup(keys.WORKER_GROUP, consumer, dict.fromkeys(group, ">"), count=share)
            for inbox in group if snapshot else ():  # same slot: runs after the read
                pipe.xpending_range(inbox, keys.WORKER_GROUP, "-", "+", SCAN_LIMIT)
        results = await pipe.execute()
        found: list[Any] = []
        pending: list[Any] = []
        at = 0
        for group in groups:
            found.extend(results[at] or ())
            if snapshot:
                pending.extend(results[at + 1 : at + 1 + len(group)])
            at += 1 + (len(group) if snapshot else 0)
        left_s = deadline - anyio.current_time()
        if found or left_s <= 0:
            return [found, *pending], inboxes
        snapshot = False
        await anyio.sleep(min(pause_s, left_s))
        pause_s = min(pause_s * 2, POLL_MAX_S)

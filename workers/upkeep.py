"""The worker's periodic chores: reclaim pending entries, trim acked ones, measure lag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from swarm.bus import Redis, keys
from workers.entries import Entry, id_key
from workers.options import WorkerOptions
from workers.pending import SCAN_LIMIT, claimable, trim_point

__all__ = ["reclaim", "trim"]


async def reclaim(
    redis: Redis, inboxes: Mapping[str, str], me: str, held: set[str], options: WorkerOptions
) -> tuple[list[Entry], int]:
    """Claim for ``me`` the entries of dead consumers and our own entries due a retry.

    ``inboxes`` maps inbox -> agent id; ``held`` are our entry ids still in memory. Returns
    the claimed entries (oldest first, each with its delivery count) and how many came from
    dead workers. A consumer is dead when its presence key is gone.
    """
    names = list(inboxes)
    pipe = redis.pipeline(transaction=False)
    for inbox in names:
        pipe.xpending_range(inbox, keys.WORKER_GROUP, "-", "+", SCAN_LIMIT)
    pending_lists = await pipe.execute()
    others = sorted({row["consumer"].decode() for rows in pending_lists for row in rows} - {me})
    alive: set[str] = set()
    if others:
        pipe = redis.pipeline(transaction=False)
        for name in others:
            pipe.exists(keys.presence(name))
        alive = {n for n, found in zip(others, await pipe.execute(), strict=True) if found}
    claimed: list[Entry] = []
    from_dead = 0
    for inbox, rows in zip(names, pending_lists, strict=True):
        dead, retry = claimable(
            rows,
            me=me,
            alive=alive,
            held=held,
            dead_min_idle_ms=int(options.reclaim_min_idle_s * 1000),
            retry_min_idle_ms=int(options.retry_delay_s * 1000),
        )
        if dead:
            got = await _claim(redis, inbox, inboxes[inbox], me, dead, options.reclaim_min_idle_s)
            from_dead += len(got)
            claimed.extend(got)
        if retry:
            claimed.extend(
                await _claim(redis, inbox, inboxes[inbox], me, retry, options.retry_delay_s)
            )
    claimed.sort(key=lambda e: id_key(e.entry_id))
    return claimed, from_dead


async def _claim(
    redis: Redis, inbox: str, agent_id: str, me: str, ids: list[tuple[str, int]], min_idle_s: float
) -> list[Entry]:
    # min-idle makes the claim race-free: once one worker claims an entry its idle time
    # restarts at 0, so a second worker's XCLAIM of it is a no-op.
    counts = dict(ids)
    rows: Any = await redis.xclaim(
        inbox, keys.WORKER_GROUP, me, int(min_idle_s * 1000), [i for i, _ in ids]
    )
    out = []
    for entry_id, fields in rows:
        if entry_id is None:
            continue  # deleted from the stream meanwhile; Redis drops it from the PEL
        text_id = entry_id.decode()
        out.append(Entry(inbox, agent_id, text_id, fields or {}, counts.get(text_id, 0) + 1))
    return out


async def trim(redis: Redis, inboxes: Mapping[str, str]) -> dict[str, int]:
    """Trim every inbox below its oldest unacked entry; return each agent's lag."""
    names = list(inboxes)
    pipe = redis.pipeline(transaction=False)
    for inbox in names:
        # Order matters: last-delivered is read BEFORE the pending summary, so an entry
        # delivered in between is either newer than last-delivered or shows as pending.
        pipe.xinfo_groups(inbox)
        pipe.xpending(inbox, keys.WORKER_GROUP)
    results = await pipe.execute()
    lags: dict[str, int] = {}
    pipe = redis.pipeline(transaction=False)
    for i, inbox in enumerate(names):
        groups, summary = results[2 * i], results[2 * i + 1]
        for group in groups:
            if group["name"].decode() == keys.WORKER_GROUP:
                lags[inboxes[inbox]] = int(group.get("lag") or 0)
        point = trim_point(groups, summary["min"] if summary["pending"] else None)
        if point is not None:
            pipe.xtrim(inbox, minid=point, approximate=False)
    await pipe.execute()
    return lags

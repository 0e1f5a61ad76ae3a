"""What the worker does with pending-entry lists: keep rooms in order, reclaim, trim.

Three questions, one data source (``XPENDING``):

* **order**: may this entry run now? Not while an older entry of the same room is pending
  anywhere else (another worker's batch, our own failed entry awaiting its retry).
  ``XREADGROUP`` hands entries out in id order and records them as pending atomically, so
  "older and pending elsewhere" is exact across competing workers.
* **reclaim**: entries of consumers whose presence key expired are claimed (never those of
  a live worker, however long it runs); our own failed entries are claimed again after
  ``retry_delay_s``. Each claim counts as a delivery.
* **trim**: entries older than the first pending one (or the group's last-delivered id)
  are acked, and are trimmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from swarm.bus import DEFAULT_ROOM, Redis, keys, room_id
from workers.entries import Entry, id_key

__all__ = ["PendingRows", "RoomIndex", "claimable", "split_runnable", "trim_point"]

PendingRows = dict[str, list[dict[str, Any]]]
"""XPENDING rows (message_id, consumer, time_since_delivered, times_delivered) by inbox."""

SCAN_LIMIT = 10_000
"""Most pending entries looked at per inbox and step; a fleet far behind catches up in steps."""
_ROOM_CACHE_LIMIT = 50_000


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RoomIndex:
    """The room of an entry by id, read once per entry with ``XRANGE`` and cached."""

    def __init__(self) -> None:
        self._rooms: dict[tuple[str, str], str] = {}

    async def rooms(
        self, redis: Redis, refs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        """``(inbox, entry_id) -> room id``; entries gone from the stream are left out."""
        wanted = list(dict.fromkeys(refs))
        missing = [ref for ref in wanted if ref not in self._rooms]
        if missing:
            if len(self._rooms) > _ROOM_CACHE_LIMIT:
                self._rooms.clear()
            pipe = redis.pipeline(transaction=False)
            for inbox, entry_id in missing:
                pipe.xrange(inbox, min=entry_id, max=entry_id, count=1)
            for ref, found in zip(missing, await pipe.execute(), strict=True):
                if found:
                    fields = found[0][1] or {}
                    raw = fields.get(b"room") or DEFAULT_ROOM.encode()
                    try:
                        self._rooms[ref] = room_id(raw.decode())
                    except UnicodeDecodeError:
                        continue  # undecodable: it is dead-lettered, it blocks nobody
        return {ref: self._rooms[ref] for ref in wanted if ref in self._rooms}


async def split_runnable(
    redis: Redis, entries: Sequence[Entry], rooms: RoomIndex, pending: PendingRows | None = None
) -> tuple[list[Entry], list[Entry]]:
    """Split decoded ``entries`` into (runnable now, deferred) keeping each room in order.

    ``pending``: each inbox's XPENDING rows read after ``entries`` were delivered, if at hand.
    """
    by_inbox: dict[str, list[Entry]] = {}
    for entry in entries:
        by_inbox.setdefault(entry.inbox, []).append(entry)
    for items in by_inbox.values():
        items.sort(key=lambda e: id_key(e.entry_id))
    known: PendingRows = pending or {}
    if all(inbox in known for inbox in by_inbox):
        pending_lists = [known[inbox] for inbox in by_inbox]
    else:
        pipe = redis.pipeline(transaction=False)
        for inbox, items in by_inbox.items():
            pipe.xpending_range(inbox, keys.WORKER_GROUP, "-", items[-1].entry_id, SCAN_LIMIT)
        pending_lists = await pipe.execute()
    ours = {entry.ref for entry in entries}
    elsewhere: list[tuple[str, str]] = []
    for inbox, rows in zip(by_inbox, pending_lists, strict=True):
        for row in rows:
            ref = (inbox, _text(row["message_id"]))
            if ref not in ours:
                elsewhere.append(ref)
    if not elsewhere:
        return [e for items in by_inbox.values() for e in items], []
    room_of = await rooms.rooms(redis, elsewhere)
    first_pending: dict[tuple[str, str], tuple[int, int]] = {}  # (inbox, room) -> oldest id
    for (inbox, entry_id), room in room_of.items():
        key = id_key(entry_id)
        slot = (inbox, room)
        if slot not in first_pending or key < first_pending[slot]:
            first_pending[slot] = key
    runnable: list[Entry] = []
    deferred: list[Entry] = []
    for inbox, items in by_inbox.items():
        for entry in items:
            assert entry.message is not None
            blocker = first_pending.get((inbox, entry.message.room_id))
            if blocker is not None and blocker < id_key(entry.entry_id):
                deferred.append(entry)
            else:
                runnable.append(entry)
    return runnable, deferred


def claimable(
    pending: Sequence[dict[str, Any]],
    *,
    me: str,
    alive: set[str],
    held: set[str],
    dead_min_idle_ms: int,
    retry_min_idle_ms: int,
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """From ``XPENDING`` rows: (entries of dead consumers, our own entries due for a retry).

    Each item is ``(entry_id, deliveries so far)``. Entries of live consumers are never
    returned; our own entries still held in memory (running or deferred) neither.
    """
    dead: list[tuple[str, int]] = []
    retry: list[tuple[str, int]] = []
    for row in pending:
        consumer = _text(row["consumer"])
        entry_id = _text(row["message_id"])
        idle_ms = int(row["time_since_delivered"])
        count = int(row["times_delivered"])
        if consumer == me:
            if entry_id not in held and idle_ms >= retry_min_idle_ms:
                retry.append((entry_id, count))
        elif consumer not in alive and idle_ms >= dead_min_idle_ms:
            dead.append((entry_id, count))
    return dead, retry


def trim_point(
    group_info: Sequence[dict[str, Any]], first_pending: bytes | str | None
) -> str | None:
    """The MINID below which every entry of the worker group's inbox is acked, if any."""
    group = next((g for g in group_info if _text(g["name"]) == keys.WORKER_GROUP), None)
    if group is None:
        return None
    last = _text(group["last-delivered-id"])
    if first_pending is not None:
        return _text(first_pending)
    if last == "0-0":
        return None
    ms, _, seq = last.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"  # MINID keeps ids >= it: the last delivered goes too

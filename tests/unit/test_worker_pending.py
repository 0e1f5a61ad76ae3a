"""Pending-list decisions: what to reclaim, what to retry, where to trim."""

from __future__ import annotations

from typing import Any

from swarm.bus import keys
from workers import WorkerOptions
from workers.entries import id_key
from workers.pending import claimable, trim_point


def _row(entry_id: str, consumer: str, idle_ms: int, count: int = 1) -> dict[str, Any]:
    return {
        "message_id": entry_id.encode(),
        "consumer": consumer.encode(),
        "time_since_delivered": idle_ms,
        "times_delivered": count,
    }


def test_entries_of_live_workers_are_never_claimed_however_idle() -> None:
    """A live worker's entry idle for an hour stays with it."""
    dead, retry = claimable(
        [_row("1-0", "busy", 3_600_000)],
        me="me",
        alive={"busy"},
        held=set(),
        dead_min_idle_ms=1000,
        retry_min_idle_ms=1000,
    )
    assert (dead, retry) == ([], [])


def test_entries_of_dead_workers_are_claimed_once_idle_enough() -> None:
    """A dead worker's entries are claimed after the minimum idle time, with their counts."""
    rows = [_row("1-0", "gone", 5000, 2), _row("2-0", "gone", 10)]
    dead, _ = claimable(
        rows, me="me", alive=set(), held=set(), dead_min_idle_ms=1000, retry_min_idle_ms=1000
    )
    assert dead == [("1-0", 2)]


def test_own_failed_entries_are_retried_unless_still_held() -> None:
    """Our idle pending entries are retried; those held in memory (deferred) are not."""
    rows = [_row("1-0", "me", 5000), _row("2-0", "me", 5000), _row("3-0", "me", 10)]
    _, retry = claimable(
        rows, me="me", alive=set(), held={"2-0"}, dead_min_idle_ms=1000, retry_min_idle_ms=1000
    )
    assert retry == [("1-0", 1)]


def _group(last: str) -> list[dict[str, Any]]:
    return [{"name": keys.WORKER_GROUP.encode(), "last-delivered-id": last.encode()}]


def test_trim_stops_at_the_oldest_pending_entry() -> None:
    """With entries pending, everything below the oldest of them is trimmable."""
    assert trim_point(_group("9-0"), b"4-0") == "4-0"


def test_trim_without_pending_stops_at_the_last_delivered_entry() -> None:
    """With nothing pending, everything up to the group's last-delivered id is acked."""
    assert trim_point(_group("9-3"), None) == "9-4"
    assert trim_point(_group("0-0"), None) is None
    assert trim_point([], None) is None


def test_stream_ids_sort_numerically() -> None:
    """Stream ids compare by time then sequence, not as text."""
    assert id_key("10-0") > id_key("9-5") > id_key("9-1")


def test_default_options_reclaim_within_ten_seconds() -> None:
    """Presence TTL plus reclaim period plus minimum idle stays under the promised 10 s."""
    o = WorkerOptions()
    assert o.presence_ttl_s + o.reclaim_every_s + o.reclaim_min_idle_s < 10

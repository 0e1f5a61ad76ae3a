"""Inbox entries as the worker holds them, and stream-id arithmetic."""

from __future__ import annotations

from dataclasses import dataclass

from swarm.bus import Message

__all__ = ["Entry", "id_key"]


def id_key(entry_id: str) -> tuple[int, int]:
    """A stream id ``"<ms>-<seq>"`` as a sortable pair."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass(slots=True)
class Entry:
    """One inbox entry this worker owns (it is in the worker's pending list)."""

    inbox: str
    agent_id: str
    entry_id: str
    fields: dict[bytes, bytes]
    deliveries: int = 1
    message: Message | None = None

    @property
    def ref(self) -> tuple[str, str]:
        """``(inbox, entry_id)``: the identity of an entry across streams."""
        return self.inbox, self.entry_id

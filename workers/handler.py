"""The seam between the stream machinery and the per-message work.

The worker calls :meth:`Handler.handle` once per message (messages of one room in order)
and :meth:`Handler.persist` once per XREADGROUP batch with every successful outcome, before
it sends the batch's replies and acks. A handler may also define ``async def prepare(self,
messages)``: the worker then calls it once per batch with the messages about to be handled
(to read what they need in one go); its failure is logged and the batch goes on. A handler
that finds a message already answered (a redelivery) returns the stored reply with
``replayed=True`` and no records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from swarm.bus import Message
from swarm.types import Content

__all__ = ["Handler", "Outcome", "PartialSink"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What handling one message produced."""

    message: Message
    content: Content | None
    """The reply; None when the agent chose not to respond (a reply entry still says so)."""
    replayed: bool = False
    model: str | None = None
    records: tuple[Any, ...] = ()
    """What ``persist`` writes for this message (for the runtime adapter: memories)."""


class PartialSink(Protocol):
    """Sends one partial response to the message's reply stream (when the sender asked)."""

    async def __call__(self, content: Content) -> None: ...


class Handler(Protocol):
    """Per-message work plus one per-batch write."""

    async def handle(self, message: Message, partial: PartialSink) -> Outcome:
        """Handle one message; raising leaves it pending, to be retried."""
        ...

    async def persist(self, outcomes: Sequence[Outcome]) -> None:
        """Durably store a batch's outcomes (one transaction); raising retries the batch."""
        ...

"""What the runtime needs from a memory store, as a structural type.

The runtime depends on this small protocol rather than on ``swarm.memory``: any store with
``init``/``ping``/``close`` will do.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["StoreAdapter"]


class StoreAdapter(Protocol):
    """The lifecycle surface of a memory store."""

    async def init(self) -> None:
        """Connect and make the schema ready; safe to call again (many agents share a store)."""

    async def ping(self) -> object:
        """Raise when the store cannot be reached."""

    async def close(self) -> None:
        """Release connections."""

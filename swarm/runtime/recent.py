"""A bounded in-process cache of each room's recent messages.

The worker writes a whole batch's memories after the runtime handled it (``persist=False``),
so the store cannot be the only source of a room's history: the next turn in the same room
must see the earlier ones before they are committed. A room is loaded from the store the
first time it is seen (or after it was evicted); from then on the cache is kept current by
the runtime itself, so the hot path reads no history from the store.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable

from swarm.types import Memory

__all__ = ["MAX_ROOMS", "RecentMessages"]

MAX_ROOMS = 4096
"""Rooms kept per runtime; the least recently used room is forgotten first."""


class RecentMessages:
    """The last ``per_room`` messages of at most ``max_rooms`` rooms, oldest first."""

    __slots__ = ("_rooms", "max_rooms", "per_room")

    def __init__(self, per_room: int, max_rooms: int = MAX_ROOMS) -> None:
        self.per_room = max(1, per_room)
        self.max_rooms = max(1, max_rooms)
        self._rooms: OrderedDict[str, deque[Memory]] = OrderedDict()

    def __contains__(self, room_id: object) -> bool:
        return room_id in self._rooms

    def __len__(self) -> int:
        return len(self._rooms)

    def get(self, room_id: str) -> list[Memory] | None:
        """The room's cached messages oldest first, or None when the room is not cached."""
        messages = self._rooms.get(room_id)
        if messages is None:
            return None
        self._rooms.move_to_end(room_id)
        return list(messages)

    def load(self, room_id: str, oldest_first: Iterable[Memory]) -> None:
        """Start caching ``room_id`` with its history as read from the store."""
        self._rooms[room_id] = deque(oldest_first, maxlen=self.per_room)
        self._rooms.move_to_end(room_id)
        self._evict()

    def add(self, memory: Memory) -> None:
        """Append a message to its room (starting the room when it is not cached).

        A memory whose id is already among the room's is not added twice.
        """
        messages = self._rooms.get(memory.room_id)
        if messages is None:
            messages = self._rooms[memory.room_id] = deque(maxlen=self.per_room)
            self._evict()
        elif memory.id is not None and any(m.id == memory.id for m in messages):
            return
        else:
            self._rooms.move_to_end(memory.room_id)
        messages.append(memory)

    def _evict(self) -> None:
        while len(self._rooms) > self.max_rooms:
            self._rooms.popitem(last=False)

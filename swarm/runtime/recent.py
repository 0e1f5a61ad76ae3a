"""A bounded in-process cache of each room's recent messages.

The worker writes a whole batch's memories after the runtime handled it (``persist=False``),
so the store cannot be the only source of a room's history: the next turn in the same room
must see the earlier ones before they are committed. A room is loaded from the store the
first time it is seen (or after it was evicted); from then on the cache is kept current by
the runtime itself, so the hot path reads no history from the store. Each message's
conversation line is formatted once, when it enters the cache.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

from swarm.types import Memory

__all__ = ["MAX_ROOMS", "RecentMessages"]

MAX_ROOMS = 4096
"""Rooms kept per runtime; the least recently used room is forgotten first."""


class _Room:
    __slots__ = ("ids", "lines", "memories")

    def __init__(self, size: int) -> None:
        self.memories: deque[Memory] = deque(maxlen=size)
        self.lines: deque[str] = deque(maxlen=size)
        self.ids: set[str | None] = set()


class RecentMessages:
    """The last ``per_room`` messages of at most ``max_rooms`` rooms, oldest first.

    ``format_line`` renders a message as one conversation line ("" to leave it out).
    """

    __slots__ = ("_format", "_rooms", "max_rooms", "per_room")

    def __init__(
        self,
        per_room: int,
        format_line: Callable[[Memory], str] = lambda m: m.content.text,
        max_rooms: int = MAX_ROOMS,
    ) -> None:
        self.per_room = max(1, per_room)
        self.max_rooms = max(1, max_rooms)
        self._format = format_line
        self._rooms: OrderedDict[str, _Room] = OrderedDict()

    def __contains__(self, room_id: object) -> bool:
        return room_id in self._rooms

    def __len__(self) -> int:
        return len(self._rooms)

    def get(self, room_id: str) -> list[Memory] | None:
        """The room's cached messages oldest first, or None when the room is not cached."""
        room = self._rooms.get(room_id)
        if room is None:
            return None
        self._rooms.move_to_end(room_id)
        return list(room.memories)

    def conversation(self, room_id: str) -> str:
        """The room's cached messages as conversation lines, oldest first."""
        room = self._rooms.get(room_id)
        return "\n".join(filter(None, room.lines)) if room is not None else ""

    def find(self, room_id: str, memory_id: str) -> Memory | None:
        """The cached memory ``memory_id`` of ``room_id``, or None."""
        room = self._rooms.get(room_id)
        if room is None or memory_id not in room.ids:
            return None
        return next((m for m in room.memories if m.id == memory_id), None)

    def load(self, room_id: str, oldest_first: Iterable[Memory]) -> None:
        """Start caching ``room_id`` with its history as read from the store."""
        self._rooms[room_id] = _Room(self.per_room)
        self._rooms.move_to_end(room_id)
        self._evict()
        for memory in oldest_first:
            self.add(memory)

    def add(self, memory: Memory) -> None:
        """Append a message to its room (starting the room when it is not cached).

        A memory whose id is already among the room's is not added twice.
        """
        room = self._rooms.get(memory.room_id)
        if room is None:
            room = self._rooms[memory.room_id] = _Room(self.per_room)
            self._evict()
        elif memory.id is not None and memory.id in room.ids:
            return
        else:
            self._rooms.move_to_end(memory.room_id)
        memories = room.memories
        if len(memories) == memories.maxlen:
            room.ids.discard(memories[0].id)
        memories.append(memory)
        room.lines.append(self._format(memory))
        room.ids.add(memory.id)

    def _evict(self) -> None:
        while len(self._rooms) > self.max_rooms:
            self._rooms.popitem(last=False)

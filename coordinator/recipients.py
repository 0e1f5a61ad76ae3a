"""Broadcast filters resolved from the memory store: a room's agents, a tag's agents.

``target_room``: the agents taking part in the room (its participants, plus every agent
with a message in it: workers store each turn's memories under the agent's id). ``tag``: the
agents whose character lists the tag in ``settings.tags``.
"""

from __future__ import annotations

from collections.abc import Sequence

from coordinator.coordinator import RecipientFilter
from swarm.bus import AgentRecord, BusCommand, room_id
from swarm.memory import MemoryStore

__all__ = ["ROOM_SCAN_LIMIT", "store_recipients"]

ROOM_SCAN_LIMIT = 1000
"""Newest messages of a room read to find who took part in it."""


def store_recipients(store: MemoryStore) -> RecipientFilter:
    """The coordinator's ``recipients`` hook over ``store``."""

    async def narrow(command: BusCommand, agents: Sequence[AgentRecord]) -> list[AgentRecord]:
        wanted: set[str] | None = None
        if command.target_room:
            room = room_id(command.target_room)
            members = set(await store.get_participants(room))
            recent = await store.get_memories(room_id=room, count=ROOM_SCAN_LIMIT)
            members |= {m.agent_id for m in recent if m.agent_id}
            wanted = members
        if command.tag:
            tagged = set()
            for agent in await store.get_agents():
                settings = agent.data.get("settings")
                tags = settings.get("tags") if isinstance(settings, dict) else None
                if isinstance(tags, list) and command.tag in tags:
                    tagged.add(agent.id)
            wanted = tagged if wanted is None else wanted & tagged
        if wanted is None:
            return list(agents)
        return [a for a in agents if a.id in wanted]

    return narrow

"""The worker's :class:`~swarm.runtime.FleetService`: agent messages go to the bus stream.

Messages sent from inside a turn carry the turn's hop count plus one (the coordinator stops
a conversation past its hop limit) and default to the turn's room. Child agents are created
by the worker's :class:`ChildFactory` (``workers.children.AgentHost``); delegations go to the
coordinator as ``delegate`` bus commands, whose result the turn awaits.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from swarm.bus import AgentRecord, BusCommand, Redis, delegate, publish
from swarm.characters import Character
from swarm.hierarchy import Permissions, TaskResult
from swarm.runtime import AgentRuntime, FleetService, current_turn
from swarm.types import Content, now_ms

__all__ = ["ChildFactory", "fleet_service"]


class ChildFactory(Protocol):
    """Creates and hosts a child agent next to its parent."""

    async def create_child(
        self, parent: AgentRuntime, child: Character, permissions: Permissions | None = None
    ) -> AgentRecord: ...


def fleet_service(redis: Redis, children: ChildFactory | None = None) -> type[FleetService]:
    """A FleetService class bound to ``redis`` (services are built from their class)."""

    class BusFleetService(FleetService):
        def __init__(self, runtime: AgentRuntime) -> None:
            super().__init__(runtime)
            self._redis = redis

        async def stop(self) -> None:
            """Nothing to release: the worker owns the Redis connection."""

        def _command(self, content: Content | str, room: str | None, **extra: object) -> BusCommand:
            turn = current_turn.get()
            text = content if isinstance(content, str) else content.text
            return BusCommand(
                text=text,
                message_id=str(uuid.uuid4()),
                sender=self.runtime.agent_id,
                sender_name=self.runtime.character.name,
                room=room or (turn.room if turn else None),
                hops=(turn.hops + 1) if turn else 1,
                sent_at=now_ms(),
                **extra,  # type: ignore[arg-type]
            )

        async def send_message(
            self,
            to: str,
            content: Content | str,
            *,
            room: str | None = None,
            ttl_s: float | None = None,
        ) -> str:
            ttl_ms = int(ttl_s * 1000) if ttl_s is not None else None
            command = self._command(content, room, kind="send", to=to, ttl_ms=ttl_ms)
            await publish(self._redis, command)
            assert command.message_id is not None
            return command.message_id

        async def broadcast(
            self,
            content: Content | str,
            *,
            room: str | None = None,
            target_room: str | None = None,
            tag: str | None = None,
        ) -> str:
            command = self._command(
                content, room, kind="broadcast", target_room=target_room, tag=tag
            )
            await publish(self._redis, command)
            assert command.message_id is not None
            return command.message_id

        async def create_child_agent(
            self, child_character: Character, *, permissions: Permissions | None = None
        ) -> str:
            if children is None:
                return await super().create_child_agent(child_character, permissions=permissions)
            record = await children.create_child(self.runtime, child_character, permissions)
            return record.id

        async def delegate_task(
            self, child: str, task: str, *, timeout_s: float = 30.0
        ) -> TaskResult:
            turn = current_turn.get()
            return await delegate(
                self._redis,
                self.runtime.agent_id,
                child,
                task,
                timeout_s=timeout_s,
                sender_name=self.runtime.character.name,
                room=turn.room if turn else None,
                hops=(turn.hops + 1) if turn else 1,
            )

    return BusFleetService

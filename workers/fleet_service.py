"""The worker's :class:`~swarm.runtime.FleetService`: agent messages go to the bus stream.

Messages sent from inside a turn carry the turn's hop count plus one (the coordinator stops
a conversation past its hop limit) and default to the turn's room.
"""

from __future__ import annotations

import uuid

from swarm.bus import BusCommand, Redis, publish
from swarm.runtime import AgentRuntime, FleetService, current_turn
from swarm.types import Content, now_ms

__all__ = ["fleet_service"]


def fleet_service(redis: Redis) -> type[FleetService]:
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

    return BusFleetService

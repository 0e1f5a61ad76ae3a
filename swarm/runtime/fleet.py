"""The fleet seam of a runtime: how an agent reaches other agents from inside a turn.

``await runtime.send_message(to, content)``, ``await runtime.broadcast(content)``,
``await runtime.create_child_agent(character)`` and ``await runtime.delegate_task(child,
task)`` call the
runtime's :class:`FleetService`, which a fleet worker registers for every runtime it hosts
(``workers.host``). A runtime outside a fleet has none, and says so.

While a worker runs a turn, :data:`current_turn` holds the message being handled, so that a
message sent from inside the turn carries its hop count forward (loop protection).
"""

from __future__ import annotations

from abc import abstractmethod
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from swarm.errors import NotInFleetError
from swarm.hierarchy import Permissions, TaskResult
from swarm.runtime.services import Service
from swarm.types import Content

if TYPE_CHECKING:
    from swarm.characters import Character

__all__ = ["FLEET_SERVICE", "FleetService", "TurnContext", "current_turn"]

FLEET_SERVICE = "swarm-fleet"
"""The ``service_type`` of the fleet service."""


@dataclass(frozen=True, slots=True)
class TurnContext:
    """The message a turn is answering, as far as onward messages need it."""

    message_id: str
    room: str
    hops: int = 0


current_turn: ContextVar[TurnContext | None] = ContextVar("swarm_current_turn", default=None)


class FleetService(Service):
    """Agent-to-agent messaging through the coordinator (implemented by the worker)."""

    service_type = FLEET_SERVICE
    capability_description = "send messages to other agents of the fleet, by name or id"

    @abstractmethod
    async def send_message(
        self,
        to: str,
        content: Content | str,
        *,
        room: str | None = None,
        ttl_s: float | None = None,
    ) -> str:
        """Deliver ``content`` to agent ``to`` (name or id); return the message id."""

    @abstractmethod
    async def broadcast(
        self,
        content: Content | str,
        *,
        room: str | None = None,
        target_room: str | None = None,
        tag: str | None = None,
    ) -> str:
        """Deliver ``content`` to every other agent (or a room's, or a tag's) once each."""

    async def create_child_agent(
        self, child_character: Character, *, permissions: Permissions | None = None
    ) -> str:
        """Create and host a child of this agent; return its id."""
        raise NotInFleetError(
            f"{type(self).__name__} cannot create child agents; run the agent in a swarm worker"
        )

    async def delegate_task(self, child: str, task: str, *, timeout_s: float = 30.0) -> TaskResult:
        """Have child agent ``child`` do ``task`` (through the coordinator); how it ended."""
        raise NotInFleetError(
            f"{type(self).__name__} cannot delegate tasks; run the agent in a swarm worker"
        )

"""An agent: a character the fleet knows about, with its on/off switch and status."""

from __future__ import annotations

from enum import StrEnum

from swarm.characters.model import Character
from swarm.characters.prepare import prepare_character
from swarm.types import now_ms as _now_ms

__all__ = ["Agent", "AgentStatus", "create_agent"]

_AGENT_FIELDS = {"enabled", "status", "created_at", "updated_at"}


class AgentStatus(StrEnum):
    """Whether an agent's runtime is running (values as elizaOS stores them)."""

    ACTIVE = "active"
    INACTIVE = "inactive"


class Agent(Character):
    """A character plus what the registry tracks; times are epoch milliseconds."""

    enabled: bool = True
    status: AgentStatus = AgentStatus.INACTIVE
    created_at: int
    updated_at: int

    def to_character(self) -> Character:
        """The character alone, without the registry's fields."""
        return Character.model_validate(self.model_dump(by_alias=True, exclude=_AGENT_FIELDS))


def create_agent(character: Character, *, now_ms: int | None = None) -> Agent:
    """A new, enabled, inactive agent for ``character`` (prepared: id and defaults filled).

    ``now_ms`` stamps ``created_at`` and ``updated_at``; the current time when omitted.
    The runtime marks the agent ACTIVE once it has started.
    """
    stamp = _now_ms() if now_ms is None else now_ms
    prepared = prepare_character(character)
    return Agent.model_validate(
        {
            **prepared.model_dump(by_alias=True),
            "enabled": True,
            "status": AgentStatus.INACTIVE,
            "createdAt": stamp,
            "updatedAt": stamp,
        }
    )

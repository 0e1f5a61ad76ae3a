"""What the gateway's HTTP API reads and writes (pydantic: the human edge; OpenAPI from here)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_TIMEOUT_S",
    "AcceptedOut",
    "AgentOut",
    "AgentsOut",
    "ErrorBody",
    "ErrorOut",
    "HealthOut",
    "MessageIn",
    "ReplyOut",
]

MAX_TIMEOUT_S = 300.0
"""Longest a request may wait for a reply; longer conversations use wait=false + GET."""


class MessageIn(BaseModel):
    """A message to an agent."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="What to say to the agent.")
    room: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Room name or UUID (default 'default'); the agent remembers per room.",
    )
    wait: bool = Field(
        default=True,
        description="true: answer with the reply; false: 202 with the message id at once.",
    )
    timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=MAX_TIMEOUT_S,
        description="How long to wait for the reply (wait=true); then 504 with the message id.",
    )


class ReplyOut(BaseModel):
    """An agent's reply to one message."""

    message_id: str
    agent_id: str
    room_id: str
    text: str = Field(description="The reply text; empty when the agent chose not to respond.")
    content: dict[str, Any] = Field(description="The full reply in elizaOS Content form.")
    responded: bool = Field(description="false when the agent decided not to respond.")
    replayed: bool = Field(
        default=False, description="true when an earlier reply to this id was re-sent."
    )
    model: str | None = Field(default=None, description="The model that answered, when known.")


class AcceptedOut(BaseModel):
    """A message queued for an agent; its reply is at ``location`` once it exists."""

    message_id: str
    agent_id: str
    status: Literal["accepted"] = "accepted"
    location: str = Field(description="Where to GET the reply: /messages/{message_id}.")


class AgentOut(BaseModel):
    """One agent as the fleet sees it now."""

    name: str
    id: str
    status: str = Field(
        description="active (a live worker hosts it), offline, or unregistered (only messages "
        "queued for the name exist)."
    )
    workers: int = Field(description="Live worker processes hosting it.")
    queued: int = Field(description="Messages waiting for it (inbox lag plus offline queue).")
    processed: int = Field(description="Inbox entries it has handled and acked.")
    parent: str | None = Field(default=None, description="The parent agent's id, if any.")
    inbox: str = Field(description="Its inbox stream (docs/protocol.md).")
    registered_at: int = Field(description="Milliseconds since the epoch; 0 if unregistered.")


class AgentsOut(BaseModel):
    """Every registered agent, sorted by name."""

    agents: list[AgentOut]


class HealthOut(BaseModel):
    """Readiness: each dependency is ``ok`` or says what failed."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str]
    error: ErrorBody | None = None


class ErrorBody(BaseModel):
    """What went wrong (``code``, for programs) and what to do (``message``, for people)."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str


class ErrorOut(BaseModel):
    """Every error the gateway answers has this shape."""

    error: ErrorBody


HealthOut.model_rebuild()

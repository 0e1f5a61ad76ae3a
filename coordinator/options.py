"""The knobs of one coordinator process, with their defaults and units in their names."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["CoordinatorOptions", "new_coordinator_id"]


def new_coordinator_id() -> str:
    """A consumer name unique to this process: host, pid and a random suffix."""
    return f"coord-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class CoordinatorOptions:
    """How a coordinator reads the bus, reclaims and drains its offline queues."""

    coordinator_id: str = field(default_factory=new_coordinator_id)
    batch_size: int = 256
    """Bus entries per XREADGROUP."""
    block_ms: int = 500
    """How long one XREADGROUP waits; also the longest delay before queues are drained."""
    heartbeat_s: float = 1.0
    """How often the presence key is refreshed."""
    presence_ttl_s: float = 3.0
    """How long a silent coordinator counts as alive; its bus entries are reclaimed after."""
    reclaim_every_s: float = 1.0
    """How often pending bus entries of dead coordinators are looked for."""
    flush_every_s: float = 0.25
    """How often queued messages of newly registered agents are moved into their inboxes."""
    marker_ttl_s: float = 86_400.0
    """How long 'routed' markers are kept: a bus entry redelivered within it is not doubled."""
    drain_timeout_s: float = 10.0
    """On shutdown, how long the current batch may take before it is cancelled."""
    max_hops: int = 8
    """Agent-to-agent hops after which a message is dead-lettered (runaway conversations)."""
    task_sweep_every_s: float = 0.5
    """How often delegated tasks are checked for timeouts and crashed children."""
    result_ttl_s: int = 3600
    """How long a delegated task's result stream is kept for a requester that went away."""
    replica_strategy: Literal["round_robin", "least_loaded"] = "round_robin"
    """How a message for a replica group picks its replica (rooms stick to theirs)."""

    def __post_init__(self) -> None:
        if self.presence_ttl_s <= self.heartbeat_s:
            raise ValueError(
                "presence_ttl_s must exceed heartbeat_s, or live coordinators look dead"
            )

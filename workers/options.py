"""The knobs of one worker process, with their defaults and units in their names."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field

__all__ = ["WorkerOptions", "new_worker_id"]


def new_worker_id() -> str:
    """A consumer name unique to this process: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How a worker reads, batches, retries and gives up."""

    worker_id: str = field(default_factory=new_worker_id)
    concurrency: int = 16
    """Rooms handled in parallel; messages of one room always run one after another."""
    batch_size: int = 256
    """Entries per XREADGROUP: the bound on in-flight work (backpressure)."""
    block_ms: int = 1000
    """How long one XREADGROUP waits for new entries."""
    max_deliveries: int = 5
    """Deliveries after which a failing entry goes to the dead-letter stream."""
    retry_delay_s: float = 1.0
    """How long a failed entry rests in this worker's pending list before it is retried."""
    heartbeat_s: float = 2.0
    """How often the presence key is refreshed."""
    presence_ttl_s: float = 6.0
    """How long a silent worker counts as alive; its entries are reclaimed after that."""
    reclaim_every_s: float = 1.0
    """How often pending entries of dead workers (and our own failed ones) are looked at."""
    reclaim_min_idle_s: float = 1.0
    """A dead worker's entry is claimed only this long after its last delivery (no races)."""
    trim_every_s: float = 5.0
    """How often acked entries are trimmed from the inboxes."""
    drain_timeout_s: float = 10.0
    """On shutdown, how long in-flight work may still run before it is cancelled."""
    commit_timeout_s: float = 15.0
    """How long the batch's store write plus reply/ack pipeline may keep retrying."""
    reply_ttl_s: int = 3600
    """Reply streams expire this long after their last entry."""

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.batch_size < 1:
            raise ValueError("concurrency and batch_size must be at least 1")
        if self.max_deliveries < 1:
            raise ValueError("max_deliveries must be at least 1")
        if self.presence_ttl_s <= self.heartbeat_s:
            raise ValueError("presence_ttl_s must exceed heartbeat_s, or live workers look dead")

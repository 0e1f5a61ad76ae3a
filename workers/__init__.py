"""Worker processes: agents as long-running consumers of their Redis Streams inboxes.

Per-message work plugs in through :class:`Handler`; :func:`serve` is the composition root
of a worker process (health endpoint, signals, drain).
"""

from workers.handler import Handler, Outcome, PartialSink
from workers.metrics import WorkerMetrics
from workers.options import WorkerOptions, new_worker_id
from workers.runtime_handler import (
    AgentTurns,
    MemoryWriter,
    RuntimeHandler,
    TurnFailedError,
    TurnResult,
    message_memory,
)
from workers.serve import serve
from workers.worker import Worker

__all__ = [
    "AgentTurns",
    "Handler",
    "MemoryWriter",
    "Outcome",
    "PartialSink",
    "RuntimeHandler",
    "TurnFailedError",
    "TurnResult",
    "Worker",
    "WorkerMetrics",
    "WorkerOptions",
    "message_memory",
    "new_worker_id",
    "serve",
]

"""The composition root of a worker process: the worker, its health endpoint, its signals."""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence

import anyio

from swarm.bus import AgentRecord, Redis
from workers.handler import Handler
from workers.health import serve_health
from workers.options import WorkerOptions
from workers.worker import Worker

__all__ = ["serve"]

log = logging.getLogger("swarm.worker")


async def serve(
    redis: Redis,
    handler: Handler,
    agents: Sequence[AgentRecord],
    options: WorkerOptions | None = None,
    *,
    health_port: int = 0,
    handle_signals: bool = True,
    worker: Worker | None = None,
) -> None:
    """Run a worker until SIGTERM/SIGINT (drain, then return) or cancellation.

    ``health_port`` 0 serves no /health or /metrics. Signals are turned into one ``stop()``;
    a second signal arrives after the receiver is closed and kills the process the usual way.
    ``worker``: one built by the caller (who may add agents to it while it runs).
    """
    worker = worker or Worker(redis, handler, agents, options)
    async with anyio.create_task_group() as tg:
        if health_port:
            await tg.start(serve_health, health_port, worker.health, worker.metrics.render)
        if handle_signals:
            tg.start_soon(_stop_on_signal, worker)
        await worker.run()
        tg.cancel_scope.cancel()


async def _stop_on_signal(worker: Worker) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for signum in signals:
            log.info("received %s", signal.Signals(signum).name)
            worker.stop()
            return

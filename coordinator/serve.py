"""The composition root of a coordinator process: the loop, its health endpoint, its signals."""

from __future__ import annotations

import logging
import signal

import anyio

from coordinator.coordinator import Coordinator, RecipientFilter
from coordinator.options import CoordinatorOptions
from swarm.bus import Redis
from swarm.memory import MemoryStore
from workers.health import serve_health

__all__ = ["serve"]

log = logging.getLogger("swarm.coordinator")


async def serve(
    redis: Redis,
    options: CoordinatorOptions | None = None,
    *,
    recipients: RecipientFilter | None = None,
    store: MemoryStore | None = None,
    health_port: int = 0,
    handle_signals: bool = True,
) -> None:
    """Run a coordinator until SIGTERM/SIGINT (finish the batch, then return) or cancellation.

    ``health_port`` 0 serves no /health or /metrics. Without ``store`` delegations fail
    (task rows live there) and broadcast filters are not applied.
    """
    coordinator = Coordinator(redis, options, recipients=recipients, store=store)
    async with anyio.create_task_group() as tg:
        if health_port:
            await tg.start(serve_health, health_port, coordinator.health, coordinator.metrics)
        if handle_signals:
            tg.start_soon(_stop_on_signal, coordinator)
        await coordinator.run()
        tg.cancel_scope.cancel()


async def _stop_on_signal(coordinator: Coordinator) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for signum in signals:
            log.info("received %s", signal.Signals(signum).name)
            coordinator.stop()
            return

"""``swarm up`` as a library call: servers (if needed), then the coordinator, then N workers.

:func:`launch` owns everything it starts and stops it in reverse order when SIGINT or SIGTERM
arrives (turned into an async iterator here, once). The child commands are injectable
(``FleetConfig.command``) so that tests can run small stand-in processes.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from swarm.characters import load_characters
from swarm.embedded import open_embedded_servers
from swarm.errors import CharacterError
from swarm.fleet.greeting import greet_when_ready
from swarm.fleet.lock import FleetLock
from swarm.fleet.spec import ProcessSpec, RestartPolicy
from swarm.fleet.supervisor import Supervisor
from swarm.fleet.view import show_live_status

__all__ = ["FleetConfig", "fleet_specs", "launch"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FleetConfig:
    """Everything ``swarm up`` needs, built once at the entry point.

    ``command`` is how a child ``swarm`` is run (e.g. ``[sys.executable, "-m", "swarm.cli"]``);
    ``env`` the children's base environment. A None URL starts the embedded server for it.
    """

    state_dir: Path
    characters: Sequence[str]
    command: Sequence[str]
    env: Mapping[str, str]
    workers: int = 1
    redis_url: str | None = None
    database_url: str | None = None
    embedded_redis_port: int = 0
    embedded_postgres_port: int = 0
    live: bool = False
    greet: bool = False
    """Once the agents are registered, say hello to each and log the replies."""
    stop_timeout_s: float = 30.0
    policy: RestartPolicy = field(default_factory=RestartPolicy)


def fleet_specs(config: FleetConfig, redis_url: str, database_url: str) -> list[ProcessSpec]:
    """The coordinator, then ``config.workers`` workers, each serving every character."""
    env = {**config.env, "SWARM_REDIS_URL": redis_url, "SWARM_DATABASE_URL": database_url}
    log_dir = config.state_dir / "logs" if config.live else None

    def spec(name: str, *args: str) -> ProcessSpec:
        return ProcessSpec(
            name=name,
            argv=[*config.command, *args],
            env=env,
            stop_timeout_s=config.stop_timeout_s,
            log_path=log_dir / f"{name}.log" if log_dir is not None else None,
        )

    specs = [spec("coordinator", "coordinator")]
    specs += [
        spec(f"worker-{i}", "worker", "--characters", *config.characters)
        for i in range(1, config.workers + 1)
    ]
    return specs


class _Stopper:
    """Turns the first signal into 'stop': cancel the startup, or drain the supervisor."""

    def __init__(self) -> None:
        self.requested = False
        self.startup = anyio.CancelScope()
        self.supervisor: Supervisor | None = None

    def request(self) -> None:
        self.requested = True
        self.startup.cancel()
        if self.supervisor is not None:
            self.supervisor.request_stop()


async def launch(config: FleetConfig) -> None:
    """Run the fleet until SIGINT/SIGTERM (or until it ends), then stop it all in order.

    Raises :class:`~swarm.errors.FleetAlreadyRunningError` when another ``swarm up`` holds
    the state directory, and :class:`~swarm.errors.CrashLoopError` when a child was given up.
    """
    with (
        FleetLock.acquire(config.state_dir),
        anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals,
    ):
        stopper = _Stopper()
        async with anyio.create_task_group() as tg:
            tg.start_soon(_watch_signals, signals, stopper)
            try:
                await _run(config, stopper)
            finally:
                tg.cancel_scope.cancel()


async def _watch_signals(signals: AsyncIterator[int], stopper: _Stopper) -> None:
    async for signum in signals:
        if stopper.requested:
            logger.info("%s again: already stopping", signal.Signals(signum).name)
            continue
        logger.info("%s: stopping the fleet", signal.Signals(signum).name)
        stopper.request()


async def _run(config: FleetConfig, stopper: _Stopper) -> None:
    async with AsyncExitStack() as stack:
        redis_url, database_url = config.redis_url, config.database_url
        if redis_url is None or database_url is None:
            with stopper.startup:
                urls = await stack.enter_async_context(
                    open_embedded_servers(
                        config.state_dir,
                        valkey=redis_url is None,
                        postgres=database_url is None,
                        valkey_port=config.embedded_redis_port,
                        postgres_port=config.embedded_postgres_port,
                    )
                )
                redis_url = redis_url or urls.redis_url
                database_url = database_url or urls.database_url
        if stopper.requested or redis_url is None or database_url is None:
            return
        supervisor = Supervisor(fleet_specs(config, redis_url, database_url), policy=config.policy)
        stopper.supervisor = supervisor
        if stopper.requested:
            supervisor.request_stop()
        async with anyio.create_task_group() as tg:
            if config.live:
                tg.start_soon(show_live_status, supervisor)
            if config.greet:
                tg.start_soon(_greet, config.characters, redis_url)
            await supervisor.run()
            tg.cancel_scope.cancel()


async def _greet(paths: Sequence[str], redis_url: str) -> None:
    try:
        names = [c.name for path in paths for c in await load_characters(path)]
    except CharacterError as exc:
        logger.warning("not greeting the fleet: %s", exc)
        return
    await greet_when_ready(redis_url, names)

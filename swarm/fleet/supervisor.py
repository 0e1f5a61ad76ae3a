"""Run child processes in order, restart crashed ones with back-off, stop them in reverse.

One task group holds one supervising task per child. ``run()`` starts the children in the
order given (servers, coordinator, workers), returns once :meth:`Supervisor.request_stop` is
called (or every child has ended), and stops the children in reverse order on the way out:
the stop signal (SIGTERM: drain), ``stop_timeout_s`` to finish, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from anyio.abc import Process, TaskStatus

from swarm.errors import CrashLoopError, FleetError
from swarm.fleet.spec import ProcessSpec, RestartPolicy

__all__ = ["ChildState", "ChildStatus", "Supervisor"]

logger = logging.getLogger(__name__)


class ChildState(enum.StrEnum):
    """Where a supervised child is in its life."""

    STARTING = "starting"
    RUNNING = "running"
    BACKOFF = "backoff"  # crashed; waiting to restart
    STOPPING = "stopping"
    STOPPED = "stopped"  # stopped by the supervisor
    EXITED = "exited"  # ended by itself with exit code 0
    FAILED = "failed"  # crash loop: given up


@dataclass(frozen=True)
class ChildStatus:
    """A snapshot of one child, for the status view."""

    name: str
    pid: int | None
    state: ChildState
    restarts: int
    uptime_s: float | None
    last_exit_code: int | None


class _Child:
    def __init__(self, spec: ProcessSpec) -> None:
        self.spec = spec
        self.process: Process | None = None
        self.state = ChildState.STARTING
        self.restarts = 0
        self.started_at: float | None = None
        self.last_exit_code: int | None = None
        self.launched = False
        self.stopping = False
        self.backoff: anyio.CancelScope | None = None
        self.done = anyio.Event()


class Supervisor:
    """Supervises the children of ``specs`` (names must be unique). Runs once."""

    def __init__(self, specs: Sequence[ProcessSpec], *, policy: RestartPolicy | None = None):
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise FleetError(f"process names must be unique, got {names}")
        self.policy = policy or RestartPolicy()
        self._children = [_Child(spec) for spec in specs]
        self._stop = anyio.Event()
        self._failure: FleetError | None = None
        self._ran = False

    def statuses(self) -> list[ChildStatus]:
        """Every child's current state, in start order."""
        now = anyio.current_time()
        return [
            ChildStatus(
                name=child.spec.name,
                pid=child.process.pid
                if child.process is not None and child.process.returncode is None
                else None,
                state=child.state,
                restarts=child.restarts,
                uptime_s=now - child.started_at
                if child.started_at is not None and child.state is ChildState.RUNNING
                else None,
                last_exit_code=child.last_exit_code,
            )
            for child in self._children
        ]

    def request_stop(self) -> None:
        """Ask :meth:`run` to stop every child (in reverse order) and return. Idempotent."""
        self._stop.set()

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Start the children in order, supervise them, stop them in reverse order.

        Reports readiness (``tg.start``) once every child was launched. Raises
        :class:`CrashLoopError` when a child was given up on, :class:`FleetError` when one
        could not be started at all (in both cases after stopping the others).
        """
        if self._ran:
            raise FleetError("a Supervisor runs once; create a new one to run again")
        self._ran = True
        async with anyio.create_task_group() as tg:
            try:
                for child in self._children:
                    if self._stop.is_set():
                        break
                    await tg.start(self._supervise, child)
                task_status.started()
                await self._stop.wait()
            finally:
                with anyio.CancelScope(shield=True):
                    for child in reversed(self._children):
                        await self._stop_child(child)
        if self._failure is not None:
            raise self._failure

    async def _supervise(self, child: _Child, *, task_status: TaskStatus[None]) -> None:
        spec, policy = child.spec, self.policy
        fast_crashes = 0
        try:
            while True:
                child.state = ChildState.STARTING
                try:
                    process = await self._spawn(spec)
                except FleetError as exc:
                    child.state = ChildState.FAILED
                    self._failure = exc
                    logger.error("%s", exc)
                    self._stop.set()
                    if child.restarts == 0:
                        task_status.started()
                    return
                child.process, child.launched = process, True
                child.started_at = anyio.current_time()
                child.state = ChildState.RUNNING
                logger.info("%s started (pid %d)", spec.name, process.pid)
                if child.restarts == 0:
                    task_status.started()
                if child.stopping:  # a stop came while it was being spawned
                    await self._terminate(spec, process)
                code = await process.wait()
                child.last_exit_code = code
                ran_s = anyio.current_time() - child.started_at
                if child.stopping:
                    return
                if code == 0:
                    child.state = ChildState.EXITED
                    logger.info("%s exited with code 0 after %.1f s", spec.name, ran_s)
                    return
                fast_crashes = fast_crashes + 1 if ran_s < policy.healthy_after_s else 0
                if fast_crashes >= policy.max_fast_crashes:
                    child.state = ChildState.FAILED
                    self._failure = CrashLoopError(
                        f"{spec.name} crashed {fast_crashes} times in a row, each within "
                        f"{policy.healthy_after_s:.0f} s of starting (last exit code {code}); "
                        f"gave up and stopped the fleet. Its output is in "
                        f"{spec.log_path or 'the lines above'}: fix the cause and start again"
                    )
                    logger.error("%s", self._failure)
                    self._stop.set()
                    return
                delay_s = policy.delay_s(max(fast_crashes, 1))
                child.state = ChildState.BACKOFF
                logger.warning(
                    "%s exited with code %d after %.1f s; restarting in %.2f s",
                    spec.name,
                    code,
                    ran_s,
                    delay_s,
                )
                with anyio.CancelScope() as child.backoff:
                    await anyio.sleep(delay_s)
                child.backoff = None
                if child.stopping:
                    return
                child.restarts += 1
        finally:
            child.done.set()
            if all(c.done.is_set() for c in self._children):
                self._stop.set()

    async def _spawn(self, spec: ProcessSpec) -> Process:
        try:
            if spec.log_path is None:
                return await anyio.open_process(
                    list(spec.argv),
                    stdin=subprocess.DEVNULL,
                    stdout=None,
                    stderr=None,
                    env=spec.env,
                    start_new_session=True,
                )
            spec.log_path.parent.mkdir(parents=True, exist_ok=True)
            with spec.log_path.open("ab") as log:
                return await anyio.open_process(
                    list(spec.argv),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=spec.env,
                    start_new_session=True,
                )
        except OSError as exc:
            raise FleetError(
                f"cannot start {spec.name} ({' '.join(spec.argv)}): {exc}; check the command"
            ) from exc

    async def _stop_child(self, child: _Child) -> None:
        child.stopping = True
        if child.backoff is not None:
            child.backoff.cancel()
        process = child.process
        if process is not None and process.returncode is None:
            child.state = ChildState.STOPPING
            await self._terminate(child.spec, process)
        if child.launched:
            await child.done.wait()
        if child.state in (ChildState.STOPPING, ChildState.RUNNING, ChildState.BACKOFF):
            child.state = ChildState.STOPPED
            logger.info("%s stopped", child.spec.name)

    async def _terminate(self, spec: ProcessSpec, process: Process) -> None:
        """Send the stop signal; SIGKILL after ``stop_timeout_s``; wait for the exit."""
        _signal_group(process, spec.stop_signal)
        with anyio.move_on_after(spec.stop_timeout_s):
            await process.wait()
        if process.returncode is None:
            logger.warning(
                "%s (pid %d) did not stop within %.1f s; killing it",
                spec.name,
                process.pid,
                spec.stop_timeout_s,
            )
            _signal_group(process, signal.SIGKILL)
            await process.wait()


def _signal_group(process: Process, sig: signal.Signals) -> None:
    # Each child leads a session of its own (so a terminal's Ctrl-C reaches only us): signal
    # its whole process group, so anything it spawned stops with it.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)

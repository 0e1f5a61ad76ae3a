"""The process supervisor, with small real child processes."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import pytest

from swarm.errors import CrashLoopError, FleetError
from swarm.fleet import ChildState, ProcessSpec, RestartPolicy, Supervisor
from tests.support.children import (
    crash_then_succeed,
    crashing,
    draining,
    ignoring_sigterm,
    wait_for_file,
)

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

FAST = RestartPolicy(initial_delay_s=0.05, factor=2.0, max_delay_s=0.2, max_fast_crashes=3)


async def test_crashed_child_is_restarted_with_growing_back_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A child that crashes twice is restarted after 0.05 s then 0.1 s, and then runs to 0."""
    caplog.set_level(logging.INFO, logger="swarm.fleet")
    counter = tmp_path / "runs"
    policy = RestartPolicy(initial_delay_s=0.05, factor=2.0, max_delay_s=1.0, max_fast_crashes=5)
    supervisor = Supervisor([ProcessSpec("flaky", crash_then_succeed(counter, 2))], policy=policy)
    with anyio.fail_after(10):
        await supervisor.run()
    [status] = supervisor.statuses()
    assert counter.read_text() == "3"
    assert (status.state, status.restarts, status.last_exit_code) == (ChildState.EXITED, 2, 0)
    delays = [
        r.getMessage().split("restarting in ")[1] for r in caplog.records if "restarting" in r.msg
    ]
    assert delays == ["0.05 s", "0.10 s"]


async def test_back_off_doubles_up_to_its_bound() -> None:
    """Restart delays double from the initial delay and stop growing at max_delay_s."""
    policy = RestartPolicy(initial_delay_s=0.5, factor=2.0, max_delay_s=3.0)
    assert [policy.delay_s(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


async def test_crash_loop_gives_up_with_a_clear_error_and_stops_the_rest(tmp_path: Path) -> None:
    """After max_fast_crashes quick crashes the run fails, naming the child and its exit code."""
    journal = tmp_path / "journal"
    specs = [
        ProcessSpec("steady", draining(tmp_path / "steady.ready", journal, "steady")),
        ProcessSpec("broken", crashing(3)),
    ]
    supervisor = Supervisor(specs, policy=FAST)
    with anyio.fail_after(10), pytest.raises(CrashLoopError) as caught:
        await supervisor.run()
    message = str(caught.value)
    assert "broken crashed 3 times in a row" in message
    assert "last exit code 3" in message
    states = {s.name: s.state for s in supervisor.statuses()}
    assert states == {"steady": ChildState.STOPPED, "broken": ChildState.FAILED}


async def test_stop_sends_sigterm_and_the_child_drains(tmp_path: Path) -> None:
    """request_stop() delivers SIGTERM; a child that drains exits 0 and is marked stopped."""
    ready, journal = tmp_path / "w.ready", tmp_path / "journal"
    supervisor = Supervisor([ProcessSpec("w", draining(ready, journal, "w"))], policy=FAST)
    async with anyio.create_task_group() as tg:
        await tg.start(supervisor.run)
        await wait_for_file(ready)
        supervisor.request_stop()
    [status] = supervisor.statuses()
    assert journal.read_text() == "w\n"
    assert (status.state, status.last_exit_code, status.restarts) == (ChildState.STOPPED, 0, 0)


async def test_child_ignoring_sigterm_is_killed_after_the_stop_timeout(tmp_path: Path) -> None:
    """A child that ignores SIGTERM is SIGKILLed once its stop timeout has passed."""
    ready = tmp_path / "stubborn.ready"
    spec = ProcessSpec("stubborn", ignoring_sigterm(ready), stop_timeout_s=0.3)
    supervisor = Supervisor([spec], policy=FAST)
    async with anyio.create_task_group() as tg:
        await tg.start(supervisor.run)
        await wait_for_file(ready)
        supervisor.request_stop()
    [status] = supervisor.statuses()
    assert (status.state, status.last_exit_code) == (ChildState.STOPPED, -9)


async def test_children_stop_in_reverse_start_order(tmp_path: Path) -> None:
    """Servers, coordinator, workers start in that order and drain workers first."""
    journal = tmp_path / "journal"
    names = ["server", "coordinator", "worker"]
    specs = [ProcessSpec(n, draining(tmp_path / f"{n}.ready", journal, n)) for n in names]
    supervisor = Supervisor(specs, policy=FAST)
    async with anyio.create_task_group() as tg:
        await tg.start(supervisor.run)
        for name in names:
            await wait_for_file(tmp_path / f"{name}.ready")
        supervisor.request_stop()
    assert journal.read_text().split() == ["worker", "coordinator", "server"]


async def test_cancelling_run_still_stops_the_children(tmp_path: Path) -> None:
    """A cancelled run() stops its children (shielded) instead of leaving them running."""
    ready, journal = tmp_path / "w.ready", tmp_path / "journal"
    supervisor = Supervisor([ProcessSpec("w", draining(ready, journal, "w"))], policy=FAST)
    async with anyio.create_task_group() as tg:
        await tg.start(supervisor.run)
        await wait_for_file(ready)
        tg.cancel_scope.cancel()
    assert journal.read_text() == "w\n"
    assert supervisor.statuses()[0].pid is None


async def test_missing_executable_fails_with_the_command_named(tmp_path: Path) -> None:
    """A command that cannot be executed fails the run with a message naming it."""
    supervisor = Supervisor([ProcessSpec("ghost", [str(tmp_path / "no-such-binary")])])
    with pytest.raises(FleetError, match="cannot start ghost"):
        await supervisor.run()


def test_duplicate_names_are_refused() -> None:
    """Two children with one name are refused up front."""
    with pytest.raises(FleetError, match="unique"):
        Supervisor([ProcessSpec("a", ["true"]), ProcessSpec("a", ["true"])])

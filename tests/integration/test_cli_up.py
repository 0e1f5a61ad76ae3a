"""``swarm up`` / ``swarm down`` as real processes, with stand-in children and given URLs."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarm.fleet import running_fleet_pid

pytestmark = pytest.mark.integration

# Stands in for `swarm coordinator` / `swarm worker ...`: runs until SIGTERM, then exits 0.
STAND_IN = shlex.join(
    [
        sys.executable,
        "-c",
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
        "time.sleep(60)\n",
    ]
)


def _swarm(*args: str) -> list[str]:
    return [sys.executable, "-m", "swarm.cli", *args]


@pytest.fixture
def fleet_env(tmp_path: Path) -> dict[str, str]:
    """An environment with a private state dir and given URLs (so no server is started)."""
    return {
        **os.environ,
        "SWARM_STATE_DIR": str(tmp_path / "state"),
        "SWARM_REDIS_URL": "redis://127.0.0.1:1/0",
        "SWARM_DATABASE_URL": "sqlite+aiosqlite:///:memory:",
    }


@pytest.fixture
def running_up(fleet_env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A `swarm up --workers 2` with stand-in children, holding its state dir's lock."""
    proc = subprocess.Popen(
        _swarm("up", "--workers", "2", "--child-command", STAND_IN),
        env=fleet_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while running_fleet_pid(tmp_path / "state") != proc.pid:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "swarm up did not take its lock"
        time.sleep(0.05)
    yield proc
    if proc.poll() is None:
        proc.terminate()  # a drain: SIGKILL would orphan the stand-ins, which hold our pipes
    proc.communicate(timeout=30)


def test_second_up_on_the_same_state_dir_is_refused(
    running_up: subprocess.Popen[str], fleet_env: dict[str, str]
) -> None:
    """A second `swarm up` on a state dir in use exits 1 naming the running one's pid."""
    second = subprocess.run(
        _swarm("up", "--child-command", STAND_IN),
        env=fleet_env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 1
    assert f"another `swarm up` (pid {running_up.pid}) is running" in second.stderr
    assert running_up.poll() is None


def test_down_stops_the_running_fleet_and_its_children(
    running_up: subprocess.Popen[str], fleet_env: dict[str, str]
) -> None:
    """`swarm down` makes `swarm up` stop its children in reverse order and exit 0."""
    down = subprocess.run(
        _swarm("down", "--timeout", "20"), env=fleet_env, capture_output=True, text=True
    )
    assert down.returncode == 0, down.stderr
    _, stderr = running_up.communicate(timeout=20)
    assert running_up.returncode == 0, stderr
    stops = [line.split()[-2] for line in stderr.splitlines() if line.endswith(" stopped")]
    assert stops == ["worker-2", "worker-1", "coordinator"]


def test_down_without_a_fleet_exits_one(fleet_env: dict[str, str]) -> None:
    """`swarm down` with nothing running says so and exits 1."""
    down = subprocess.run(_swarm("down"), env=fleet_env, capture_output=True, text=True)
    assert down.returncode == 1
    assert "no `swarm up` is running" in down.stderr

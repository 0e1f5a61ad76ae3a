"""One ``swarm up`` per state directory: an exclusive lock file that also names its pid.

The lock is an ``flock`` held for the life of the process, so the kernel releases it when
``swarm up`` dies, however it dies: a stale file never blocks the next start.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from swarm.errors import FleetAlreadyRunningError

__all__ = ["FleetLock", "running_fleet_pid"]

LOCK_FILE = "swarm-up.pid"


class FleetLock:
    """The held lock of ``state_dir``; release it (or leave the ``with`` block) to free it."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: IO[str] | None = handle

    @classmethod
    def acquire(cls, state_dir: Path) -> FleetLock:
        """Take the lock or raise :class:`FleetAlreadyRunningError` naming the holder's pid."""
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / LOCK_FILE
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise FleetAlreadyRunningError(
                f"another `swarm up` (pid {holder}) is running on {state_dir}; stop it with "
                f"`swarm down`, or give this one its own state directory (SWARM_STATE_DIR)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        """Remove the pid file and free the lock. Idempotent."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        self.path.unlink(missing_ok=True)
        handle.close()  # closing drops the flock

    def __enter__(self) -> FleetLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def running_fleet_pid(state_dir: Path) -> int | None:
    """The pid of the ``swarm up`` holding ``state_dir``'s lock; None when none holds it."""
    path = state_dir / LOCK_FILE
    try:
        handle = path.open("r")
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                return int(handle.read().strip())
            except ValueError:
                return None
        return None  # we got the lock: the file is stale, nobody runs

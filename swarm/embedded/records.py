"""What an embedded server leaves in the state directory: its pid, start time and port.

A record names one exact process (pid plus its start time, so a reused pid is never mistaken
for our server) and the port it listened on, so that the next start reuses the port and, after
a crash of the owner, finds and stops the server the owner left behind.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

import anyio
import anyio.to_thread
import psutil

__all__ = ["ServerRecord", "free_port", "port_is_free", "stop_stale_server"]

logger = logging.getLogger(__name__)

# psutil rounds process start times; two readings of one process agree well within this.
_CREATE_TIME_TOLERANCE_S = 0.05


@dataclass(frozen=True)
class ServerRecord:
    """The pid file of one embedded server: ``<state_dir>/<name>/server.json``."""

    pid: int
    create_time: float
    port: int

    @classmethod
    def read(cls, path: Path) -> ServerRecord | None:
        """The record at ``path``; None when there is none or it is unreadable."""
        try:
            raw = json.loads(path.read_text())
            return cls(pid=int(raw["pid"]), create_time=float(raw["create_time"]), port=raw["port"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, path: Path) -> None:
        """Write the record atomically (a crash never leaves half a file)."""
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self)))
        os.replace(tmp, path)

    @classmethod
    def for_pid(cls, pid: int, port: int) -> ServerRecord:
        """The record of the running process ``pid``."""
        return cls(pid=pid, create_time=psutil.Process(pid).create_time(), port=port)

    def process(self) -> psutil.Process | None:
        """The recorded process if it still runs (and is not a newer one with a reused pid)."""
        try:
            proc = psutil.Process(self.pid)
            if abs(proc.create_time() - self.create_time) > _CREATE_TIME_TOLERANCE_S:
                return None
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            return proc
        except psutil.Error:
            return None


async def stop_stale_server(
    path: Path, *, stop_signal: signal.Signals, timeout_s: float
) -> ServerRecord | None:
    """Stop the server a crashed owner left running, if the record at ``path`` names one.

    Sends ``stop_signal`` (the server's clean-shutdown signal), then SIGKILL after
    ``timeout_s``. Returns the old record (its port is reused) or None when there was none.
    """
    record = ServerRecord.read(path)
    if record is None:
        return None
    proc = record.process()
    if proc is not None:
        logger.warning(
            "found a stale %s (pid %d) left by a previous run; stopping it",
            path.parent.name,
            proc.pid,
        )
        try:
            proc.send_signal(stop_signal)
            await anyio.to_thread.run_sync(_wait_gone, proc, timeout_s)
        except psutil.NoSuchProcess:
            pass
    await anyio.Path(path).unlink(missing_ok=True)
    return record


def _wait_gone(proc: psutil.Process, timeout_s: float) -> None:
    try:
        proc.wait(timeout_s)
    except psutil.TimeoutExpired:
        logger.warning("pid %d ignored its stop signal for %.0f s; killing it", proc.pid, timeout_s)
        proc.kill()
        proc.wait(5.0)
    except psutil.NoSuchProcess:
        pass


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a TCP server could bind ``host:port`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: a port whose last connections linger in TIME_WAIT is still usable.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A loopback TCP port nobody listens on (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port

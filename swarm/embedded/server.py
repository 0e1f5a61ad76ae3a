"""The lifecycle every embedded server shares: port, pid record, start, readiness, stop.

A subclass says how to prepare its data, which argv to run, how to ping it and which signal
shuts it down cleanly; this module owns the process. The server runs in a session of its own,
so a Ctrl-C at the terminal reaches only ``swarm up``, which stops the fleet in order and the
servers last.
"""

from __future__ import annotations

import logging
import pwd
import signal
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import Process

from swarm.embedded.records import ServerRecord, free_port, port_is_free, stop_stale_server
from swarm.errors import EmbeddedServerError

__all__ = ["EmbeddedServer", "process_identity"]

logger = logging.getLogger(__name__)

# How often a starting server is pinged; servers get ready in tens of milliseconds.
_READY_POLL_S = 0.05
# How much of a failed server's log an error message quotes.
_LOG_TAIL_CHARS = 2000


class EmbeddedServer(ABC):
    """One server process under ``directory``, owned by whoever called :meth:`start`."""

    name: str = "server"
    stop_signal: signal.Signals = signal.SIGTERM
    port_setting: str = ""

    def __init__(
        self,
        directory: Path,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        start_timeout_s: float = 60.0,
        stop_timeout_s: float = 15.0,
    ) -> None:
        self.directory = directory.resolve()
        self.host = host
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self._fixed_port = port
        self._port: int | None = None
        self._process: Process | None = None

    @property
    def record_path(self) -> Path:
        """The pid file: pid, start time and port of the running server."""
        return self.directory / "server.json"

    @property
    def port_path(self) -> Path:
        """The port of the last run, kept across restarts so clients' URLs stay valid."""
        return self.directory / "port"

    @property
    def log_path(self) -> Path:
        """Where the server's stdout and stderr go."""
        return self.directory / f"{self.name}.log"

    def attach(self) -> bool:
        """Find this server running under another owner (a ``swarm up``): True, with its port.

        Lets a CLI command in the same directory talk to the fleet's embedded servers; the
        server stays the owner's, this object only knows where it listens.
        """
        record = ServerRecord.read(self.record_path)
        if record is None or record.process() is None:
            return False
        self._port = record.port
        return True

    @property
    def port(self) -> int:
        """The port the running server listens on."""
        if self._port is None:
            raise EmbeddedServerError(f"{self.name} is not running; call start() first")
        return self._port

    @property
    def pid(self) -> int | None:
        """The server's pid while it runs."""
        return self._process.pid if self._process is not None else None

    @property
    @abstractmethod
    def url(self) -> str:
        """The URL clients connect with."""

    @abstractmethod
    def argv(self, port: int) -> Sequence[str]:
        """The command line that runs the server on ``port``."""

    @abstractmethod
    async def ping(self) -> bool:
        """Whether the server answers a trivial request right now."""

    async def prepare(self) -> None:
        """Create or check the data before the first start (e.g. initdb)."""
        return None

    async def after_ready(self) -> None:
        """Set up what clients expect once the server answers (e.g. a database)."""
        return None

    def run_as(self) -> str | None:
        """The system user the server runs as; None: this process's user."""
        return None

    async def start(self) -> None:
        """Start the server (stopping a stale one first) and return once it answers."""
        if self._process is not None:
            raise EmbeddedServerError(f"{self.name} is running already; stop() it first")
        self.directory.mkdir(parents=True, exist_ok=True)
        await stop_stale_server(
            self.record_path, stop_signal=self.stop_signal, timeout_s=self.stop_timeout_s
        )
        await self.prepare()
        port = self._choose_port()
        with self.log_path.open("ab") as log:
            self._process = await anyio.open_process(
                list(self.argv(port)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                start_new_session=True,
                **process_identity(self.run_as()),
            )
        self._port = port
        ServerRecord.for_pid(self._process.pid, port).write(self.record_path)
        self.port_path.write_text(f"{port}\n")
        logger.info("%s starting (pid %d, port %d)", self.name, self._process.pid, port)
        try:
            with anyio.fail_after(self.start_timeout_s):
                await self._wait_ready()
            await self.after_ready()
        except BaseException as exc:
            with anyio.CancelScope(shield=True):
                await self.stop()
            if isinstance(exc, TimeoutError):
                raise EmbeddedServerError(
                    f"{self.name} did not answer within {self.start_timeout_s:.0f} s; "
                    f"see its log {self.log_path}:\n{self._log_tail()}"
                ) from exc
            raise
        logger.info("%s ready at %s", self.name, self.url)

    async def stop(self) -> None:
        """Shut the server down cleanly; SIGKILL it after ``stop_timeout_s``. Idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        with anyio.CancelScope(shield=True):
            if process.returncode is None:
                process.send_signal(self.stop_signal)
                with anyio.move_on_after(self.stop_timeout_s):
                    await process.wait()
                if process.returncode is None:
                    logger.warning(
                        "%s (pid %d) did not stop within %.0f s; killing it",
                        self.name,
                        process.pid,
                        self.stop_timeout_s,
                    )
                    process.kill()
                    await process.wait()
            await process.aclose()
        self.record_path.unlink(missing_ok=True)
        logger.info("%s stopped", self.name)
        self._port = None

    def _choose_port(self) -> int:
        if self._fixed_port:
            if not port_is_free(self._fixed_port, self.host):
                raise EmbeddedServerError(
                    f"{self.name} cannot listen on {self.host}:{self._fixed_port}: the port is in "
                    f"use; free it, or set {self.port_setting} to another port (0 picks one)"
                )
            return self._fixed_port
        try:
            previous = int(self.port_path.read_text())
        except (OSError, ValueError):
            previous = 0
        if previous and port_is_free(previous, self.host):
            return previous
        return free_port(self.host)

    async def _wait_ready(self) -> None:
        assert self._process is not None
        while not await self.ping():
            if self._process.returncode is not None:
                raise EmbeddedServerError(
                    f"{self.name} exited with code {self._process.returncode} while starting; "
                    f"see its log {self.log_path}:\n{self._log_tail()}"
                )
            await anyio.sleep(_READY_POLL_S)

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-_LOG_TAIL_CHARS:]
        except OSError:
            return "(no log)"


def process_identity(user: str | None) -> dict[str, Any]:
    """Keyword arguments that run a child as ``user`` with that user's group and no others.

    Changing only the uid would leave root's groups on the child, whose access to the
    state directory would then follow root's group permissions.
    """
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

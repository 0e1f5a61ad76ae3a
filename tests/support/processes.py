"""Worker processes for end-to-end tests: start ``tests.support.echo_worker`` and wait for it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

__all__ = ["EchoWorkerProcess"]

ROOT = Path(__file__).resolve().parents[2]


class EchoWorkerProcess:
    """One echo worker process; ``stop()`` sends SIGTERM and returns the exit code."""

    def __init__(self, url: str, namespace: str, names: list[str], log: Path) -> None:
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.echo_worker", url, namespace, *names],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def kill(self) -> None:
        """SIGKILL: no drain, no cleanup, presence expires on its own."""
        self.process.kill()
        self.process.wait(10)

    def terminate(self, timeout_s: float = 15) -> int:
        """SIGTERM, then wait for the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_s)

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self._log.close()

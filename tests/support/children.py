"""Small real child processes for the supervisor tests, as ``python -c`` command lines.

Each writes ``<dir>/<name>.ready`` once its signal handling is in place, so a test can wait
for it before signalling.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

__all__ = ["crash_then_succeed", "crashing", "draining", "ignoring_sigterm", "wait_for_file"]

_READY = "import pathlib, sys; pathlib.Path(sys.argv[1]).write_text('ready')\n"


def _python(code: str, *args: str | Path) -> list[str]:
    return [sys.executable, "-c", code, *map(str, args)]


def crashing(code: int = 3) -> list[str]:
    """Exits with ``code`` at once, every time."""
    return _python(f"import sys; sys.exit({code})")


def crash_then_succeed(counter: Path, crashes: int) -> list[str]:
    """Exits 1 the first ``crashes`` runs (counted in ``counter``), then exits 0."""
    return _python(
        "import pathlib, sys\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "n = int(p.read_text()) if p.exists() else 0\n"
        "p.write_text(str(n + 1))\n"
        f"sys.exit(1 if n < {crashes} else 0)\n",
        counter,
    )


def draining(ready: Path, journal: Path, name: str) -> list[str]:
    """Runs until SIGTERM, then appends ``name`` to ``journal`` (its drain) and exits 0."""
    return _python(
        "import os, signal, sys, time\n"
        "def drain(*_):\n"
        "    with open(sys.argv[2], 'a') as f:\n"
        "        f.write(sys.argv[3] + '\\n')\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, drain)\n" + _READY + "while True:\n    time.sleep(1)\n",
        ready,
        journal,
        name,
    )


def ignoring_sigterm(ready: Path) -> list[str]:
    """Ignores SIGTERM and runs until killed."""
    return _python(
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        + _READY
        + "while True:\n    time.sleep(1)\n",
        ready,
    )


async def wait_for_file(path: Path, timeout_s: float = 10.0) -> None:
    """Return once ``path`` exists (a child's readiness mark)."""
    with anyio.fail_after(timeout_s):
        while True:
            if await anyio.Path(path).exists():
                return
            await anyio.sleep(0.01)

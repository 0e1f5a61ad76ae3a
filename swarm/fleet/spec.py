"""What the supervisor runs (:class:`ProcessSpec`) and how it restarts (:class:`RestartPolicy`)."""

from __future__ import annotations

import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ProcessSpec", "RestartPolicy"]


@dataclass(frozen=True)
class ProcessSpec:
    """One supervised child: its command line, environment and how it stops.

    ``env`` is the child's whole environment (None: inherit this process's); the entry point
    builds it, the supervisor never reads ``os.environ``. ``log_path``: append the child's
    stdout and stderr there (None: share this process's).
    """

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    stop_signal: signal.Signals = signal.SIGTERM
    stop_timeout_s: float = 30.0
    log_path: Path | None = None


@dataclass(frozen=True)
class RestartPolicy:
    """Bounded exponential back-off for crashed children, and when to give up.

    A child that exits non-zero is restarted after ``initial_delay_s``, doubling (``factor``)
    up to ``max_delay_s``. A run that lasted ``healthy_after_s`` or more resets the back-off.
    After ``max_fast_crashes`` crashes in a row, each within ``healthy_after_s`` of its start,
    the supervisor gives up: the cause is in the child (a bad file, a wrong URL), not bad luck.
    A child that exits 0 is done and is not restarted.
    """

    initial_delay_s: float = 0.5
    max_delay_s: float = 30.0
    factor: float = 2.0
    healthy_after_s: float = 10.0
    max_fast_crashes: int = field(default=5)

    def delay_s(self, crashes: int) -> float:
        """The wait before restart number ``crashes`` (1-based) of a crash streak."""
        return min(self.initial_delay_s * self.factor ** (crashes - 1), self.max_delay_s)

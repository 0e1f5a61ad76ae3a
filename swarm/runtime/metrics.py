"""What a runtime measures about itself: counts, response times, per-component timings.

Recording is O(1) and allocation-free on the hot path; percentiles are computed only when
someone asks (a snapshot), over a bounded window of the most recent samples.
"""

from __future__ import annotations

import math
import resource
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ComponentTiming", "RuntimeMetrics", "percentile"]

WINDOW_SAMPLES = 2048
"""Response times kept for p50/p99: enough for stable tails, small enough to sort quickly."""


def percentile(samples: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) of ``samples`` by nearest rank; 0.0 when empty."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return ordered[rank]


@dataclass(slots=True)
class ComponentTiming:
    """Calls, failures and total time of one action, provider, evaluator or stage."""

    calls: int = 0
    failures: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0

    def record(self, elapsed_ms: float, ok: bool = True) -> None:
        self.calls += 1
        if not ok:
            self.failures += 1
        self.total_ms += elapsed_ms
        if elapsed_ms > self.max_ms:
            self.max_ms = elapsed_ms

    def as_dict(self) -> dict[str, float | int]:
        average = self.total_ms / self.calls if self.calls else 0.0
        return {
            "calls": self.calls,
            "failures": self.failures,
            "avg_ms": round(average, 3),
            "max_ms": round(self.max_ms, 3),
        }


@dataclass(slots=True)
class RuntimeMetrics:
    """Counters of one :class:`~swarm.runtime.AgentRuntime`, exposed as ``runtime.metrics``."""

    messages_processed: int = 0
    messages_failed: int = 0
    responses_sent: int = 0
    started_at: float = field(default_factory=time.monotonic)
    _response_ms: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW_SAMPLES))
    _total_response_ms: float = 0.0
    components: dict[str, ComponentTiming] = field(default_factory=dict)
    """Keyed ``"kind:name"``: ``action:REPLY``, ``provider:TIME``, ``stage:compose_state``..."""

    def record_message(self, elapsed_ms: float, ok: bool) -> None:
        """Count one handled message and its end-to-end time."""
        self.messages_processed += 1
        if not ok:
            self.messages_failed += 1
        self._response_ms.append(elapsed_ms)
        self._total_response_ms += elapsed_ms

    def record(self, kind: str, name: str, elapsed_ms: float, ok: bool = True) -> None:
        """Record the time of one component call (an action, provider, evaluator or stage)."""
        self.record_key(f"{kind}:{name}", elapsed_ms, ok)

    def record_key(self, key: str, elapsed_ms: float, ok: bool = True) -> None:
        """:meth:`record` with the ``"kind:name"`` key already built (the per-stage hot path)."""
        timing = self.components.get(key)
        if timing is None:
            timing = self.components[key] = ComponentTiming()
        timing.record(elapsed_ms, ok)

    @property
    def error_rate(self) -> float:
        return self.messages_failed / self.messages_processed if self.messages_processed else 0.0

    def snapshot(self, active_services: list[str] | None = None) -> dict[str, Any]:
        """A JSON-able view: counts, average/p50/p99 response time, error rate, memory, timings."""
        window = list(self._response_ms)
        average = (
            self._total_response_ms / self.messages_processed if self.messages_processed else 0.0
        )
        return {
            "messages_processed": self.messages_processed,
            "messages_failed": self.messages_failed,
            "responses_sent": self.responses_sent,
            "error_rate": round(self.error_rate, 4),
            "response_ms": {
                "avg": round(average, 3),
                "p50": round(percentile(window, 0.50), 3),
                "p99": round(percentile(window, 0.99), 3),
            },
            "memory_rss_mb": round(rss_mb(), 1),
            "uptime_s": round(time.monotonic() - self.started_at, 3),
            "active_services": sorted(active_services or []),
            "components": {key: t.as_dict() for key, t in sorted(self.components.items())},
        }


def rss_mb() -> float:
    """Peak resident memory of this process in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024

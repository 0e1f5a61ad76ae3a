"""Runtime metrics: percentiles, counters, per-component timings."""

from __future__ import annotations

from swarm.runtime.metrics import WINDOW_SAMPLES, RuntimeMetrics, percentile


def test_percentile_is_nearest_rank() -> None:
    """p50 of 1..10 is 5 and p99 of 1..100 is 99 (nearest-rank definition)."""
    assert percentile([float(i) for i in range(10, 0, -1)], 0.5) == 5
    assert percentile([float(i) for i in range(1, 101)], 0.99) == 99
    assert percentile([], 0.5) == 0.0


def test_snapshot_counts_messages_and_errors() -> None:
    """The snapshot reports processed and failed counts and the error rate."""
    metrics = RuntimeMetrics()
    for ok in (True, True, True, False):
        metrics.record_message(10.0, ok)
    snap = metrics.snapshot()
    assert snap["messages_processed"] == 4
    assert snap["messages_failed"] == 1
    assert snap["error_rate"] == 0.25
    assert snap["response_ms"]["avg"] == 10.0


def test_component_timings_are_keyed_by_kind_and_name() -> None:
    """Each action/provider/evaluator is timed under "kind:name" with calls, failures, avg, max."""
    metrics = RuntimeMetrics()
    metrics.record("action", "REPLY", 2.0)
    metrics.record("action", "REPLY", 4.0, ok=False)
    assert metrics.snapshot()["components"]["action:REPLY"] == {
        "calls": 2,
        "failures": 1,
        "avg_ms": 3.0,
        "max_ms": 4.0,
    }


def test_percentiles_use_only_the_recent_window() -> None:
    """Old samples leave the percentile window once it is full; the average keeps them."""
    metrics = RuntimeMetrics()
    for _ in range(WINDOW_SAMPLES):
        metrics.record_message(1000.0, True)
    for _ in range(WINDOW_SAMPLES):
        metrics.record_message(1.0, True)
    snap = metrics.snapshot()
    assert snap["response_ms"]["p99"] == 1.0
    assert snap["response_ms"]["avg"] == 500.5

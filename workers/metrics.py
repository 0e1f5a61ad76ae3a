"""Prometheus metrics of one worker, in a registry of its own (several workers per test)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["WorkerMetrics"]

_LATENCY_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class WorkerMetrics:
    """Counters, gauges and the processing-time histogram a worker exports on /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.processed = Counter(
            "swarm_messages_processed", "Messages answered and acked", registry=r
        )
        self.failed = Counter("swarm_messages_failed", "Handler or batch failures", registry=r)
        self.processing = Histogram(
            "swarm_message_processing_seconds",
            "Time spent handling one message",
            buckets=_LATENCY_BUCKETS_S,
            registry=r,
        )
        self.in_flight = Gauge("swarm_messages_in_flight", "Messages being handled", registry=r)
        self.lag = Gauge(
            "swarm_stream_lag", "Entries not yet read by the group", ["agent_id"], registry=r
        )
        self.reclaimed = Counter(
            "swarm_entries_reclaimed", "Entries claimed from dead workers", registry=r
        )
        self.dead_letters = Counter(
            "swarm_dead_letters", "Entries moved to a dead-letter stream", ["reason"], registry=r
        )
        self.reconnects = Counter("swarm_redis_reconnects", "Redis connection losses", registry=r)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)

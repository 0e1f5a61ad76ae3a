"""Real coordinator and worker processes on a private Redis and a per-test PostgreSQL schema."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis
from redis.cluster import ClusterNode, RedisCluster

from swarm.bus import keys, parse_cluster_url

__all__ = ["EXAMPLES", "Fleet", "wait_for"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "characters"


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 20) -> None:
    """Poll ``check`` until it is true; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _sync_client(url: str) -> redis.Redis:
    """A blocking client for ``url``; a ``redis+cluster://`` URL gives a RedisCluster, whose
    ``scan_iter`` visits every primary."""
    if url.startswith("redis+cluster://"):
        nodes = [ClusterNode(host, port) for host, port in parse_cluster_url(url).nodes]
        return RedisCluster(startup_nodes=nodes)  # type: ignore[return-value]
    return redis.Redis.from_url(url)


class Fleet:
    """Starts ``swarm coordinator`` / ``swarm worker`` children; ``close()`` kills what is left."""

    def __init__(self, redis_url: str, database_url: str, log_dir: Path) -> None:
        self.redis_url = redis_url
        self.database_url = database_url
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.redis = _sync_client(redis_url)
        self.env: dict[str, str] = {}
        """Extra environment for every process started from now on."""

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "SWARM_REDIS_URL": self.redis_url,
            "SWARM_DATABASE_URL": self.database_url,
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        log = (self.log_dir / f"{name}-{len(self.processes)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "swarm.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(proc)
        return proc

    def coordinator(self) -> subprocess.Popen[bytes]:
        """Start a coordinator and wait until its presence key exists."""
        before = set(self.redis.scan_iter(match=keys.coordinator_pattern()))
        proc = self._start("coordinator", "coordinator")
        wait_for(
            lambda: (
                proc.poll() is None
                and bool(set(self.redis.scan_iter(match=keys.coordinator_pattern())) - before)
            ),
            "the coordinator to come up",
        )
        return proc

    def worker(self, *files: Path, replicas: int | None = None) -> subprocess.Popen[bytes]:
        """Start a worker hosting ``files`` (as ``replicas`` each, when given) and wait until a
        presence key lists its agents."""
        before = set(self.redis.scan_iter(match=keys.presence_pattern()))
        extra = ["--replicas", str(replicas)] if replicas is not None else []
        proc = self._start("worker", "worker", *extra, "--characters", *map(str, files))
        wait_for(
            lambda: (
                proc.poll() is None
                and bool(set(self.redis.scan_iter(match=keys.presence_pattern())) - before)
            ),
            "the worker to come up",
            timeout_s=30,
        )
        return proc

    def logs(self) -> str:
        return "\n".join(
            f"== {p.name}\n{p.read_text()}" for p in sorted(self.log_dir.glob("*.log"))
        )

    def terminate(self, proc: subprocess.Popen[bytes]) -> int:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(20)

    def close(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        self.redis.close()

"""A private 3-master Redis Cluster on free loopback ports, and agent names spread over it.

``redis-server --cluster-enabled yes`` three times (each in its own directory, with its own
client and cluster-bus port), joined by ``redis-cli --cluster create --cluster-replicas 0``.
The pytest fixture :func:`redis_cluster` starts one per test session; tests keep apart by
using fresh agent names.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.crc import key_slot

from swarm.bus import keys
from swarm.ids import string_to_uuid
from tests.support.redis_server import free_port

__all__ = ["LocalCluster", "names_per_master", "redis_cluster"]

START_TIMEOUT_S = 20.0


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed; apt-get install redis-server redis-tools")
    return found


class LocalCluster:
    """Three masters, no replicas, every slot covered; ``url`` is a ``redis+cluster://`` URL."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ports = [free_port() for _ in range(3)]
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def start(self) -> LocalCluster:
        server = _binary("redis-server")
        for port in self.ports:
            node_dir = self.directory / str(port)
            node_dir.mkdir(parents=True)
            args = [
                server,
                "--port", str(port),
                "--cluster-port", str(free_port()),  # the bus port: not port + 10000
                "--bind", "127.0.0.1",
                "--dir", str(node_dir),
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "2000",
                "--appendonly", "no",
                "--save", "",
                "--daemonize", "no",
                "--loglevel", "warning",
            ]  # fmt: skip
            log = (node_dir / "server.log").open("wb")
            self.processes.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))
        for port in self.ports:
            self._wait(lambda p=port: redis.Redis(port=p).ping())
        nodes = [f"127.0.0.1:{p}" for p in self.ports]
        create = [_binary("redis-cli"), "--cluster", "create", *nodes]
        create += ["--cluster-replicas", "0", "--cluster-yes"]
        subprocess.run(create, check=True, capture_output=True, timeout=START_TIMEOUT_S)
        self._wait(self._ready)
        return self

    def _ready(self) -> bool:
        for port in self.ports:
            with redis.Redis(port=port) as node:
                info = node.cluster("info")
                if info.get("cluster_state") != "ok" or int(info["cluster_known_nodes"]) < 3:
                    return False
        return True

    @staticmethod
    def _wait(check: object) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if check():  # type: ignore[operator]
                    return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the test Redis Cluster did not come up")
            time.sleep(0.05)

    def master_of_slot(self) -> list[tuple[int, int, int]]:
        """``(first slot, last slot, port)`` of each master."""
        with redis.Redis(port=self.ports[0]) as node:
            slots = node.execute_command("CLUSTER", "SLOTS")
        return [(int(s[0]), int(s[1]), int(s[2][1])) for s in slots]

    def port_of(self, key: str) -> int:
        """The port of the master that holds ``key``."""
        slot = key_slot(key.encode())
        return next(port for first, last, port in self.master_of_slot() if first <= slot <= last)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        self.processes = []


def names_per_master(cluster: LocalCluster, prefix: str, per_master: int = 1) -> list[str]:
    """Fresh agent names whose inboxes sit ``per_master`` on each master, master by master."""
    wanted = {port: per_master for port in cluster.ports}
    ranges = cluster.master_of_slot()
    names: list[str] = []
    tag = uuid.uuid4().hex[:6]
    for i in range(10_000):
        name = f"{prefix}-{tag}-{i}"
        slot = key_slot(keys.inbox(string_to_uuid(name)).encode())
        port = next(p for first, last, p in ranges if first <= slot <= last)
        if wanted[port]:
            wanted[port] -= 1
            names.append(name)
        if not any(wanted.values()):
            return names
    raise AssertionError("could not spread agent names over the masters")


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[LocalCluster]:
    """A 3-master cluster for the whole test session, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="swarm-cluster-") as directory:
        cluster = LocalCluster(Path(directory))
        try:
            yield cluster.start()
        finally:
            cluster.stop()

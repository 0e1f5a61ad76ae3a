"""Echo throughput and latency of one worker hosting N agents: single Redis vs Redis Cluster.

On a single Redis the worker reads every inbox with one blocking XREADGROUP; on a cluster
with agents on several slots it sweeps them (``workers/read_plan.py``). Same load on both:
C senders (one room each) spread round-robin over the agents, each waiting for its reply
before the next. Both servers are private (no persistence): one redis-server, and a 3-master
cluster started the way the tests start theirs.

    .venv/bin/python bench/cluster_bench.py [--agents 6] [--messages 3000] [--concurrency 1 64]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from swarm.bus import Message, connect, keys, register_agent
from swarm.ids import string_to_uuid
from swarm.types import Content
from tests.support.redis_cluster import LocalCluster, names_per_master
from tests.support.redis_server import free_port
from workers import Outcome, PartialSink, Worker, WorkerOptions


class EchoHandler:
    """The trivial handler: echo the text, persist nothing."""

    async def handle(self, message: Message, partial: PartialSink) -> Outcome:
        return Outcome(message, Content(text=message.content.text))

    async def persist(self, outcomes: Sequence[Outcome]) -> None:
        return None


async def _worker(url: str, names: list[str], ready: Any) -> None:
    redis = connect(url)
    agents = [await register_agent(redis, name) for name in names]
    worker = Worker(redis, EchoHandler(), agents, WorkerOptions(concurrency=64, batch_size=256))
    async with anyio.create_task_group() as tg:
        await tg.start(worker.run)
        ready.set()


def _serve(url: str, names: list[str], ready: Any) -> None:
    anyio.run(_worker, url, names, ready)


async def _load(url: str, inboxes: list[str], total: int, concurrency: int) -> Any:
    redis = connect(url)
    latencies: list[float] = []

    async def sender(n: int) -> None:
        inbox = inboxes[n % len(inboxes)]
        reply_to = f"bench:reply:{uuid.uuid4().hex}"
        last = "0"
        for i in range(total // concurrency):
            started = time.perf_counter()
            fields = {"text": f"{n}:{i}", "room": f"room-{n}", "reply_to": reply_to}
            await redis.xadd(inbox, fields)  # type: ignore[arg-type]
            while True:
                found: Any = await redis.xread({reply_to: last}, count=1, block=5000)
                if found:
                    last = found[0][1][-1][0]
                    break
            latencies.append(time.perf_counter() - started)
        await redis.delete(reply_to)

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for n in range(concurrency):
            tg.start_soon(sender, n)
    elapsed = time.perf_counter() - started
    await redis.aclose()
    return elapsed, sorted(latencies)


def _run(url: str, names: list[str], total: int, concurrency: int) -> tuple[float, float, float]:
    inboxes = [keys.inbox(string_to_uuid(name)) for name in names]
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(target=_serve, args=(url, names, ready))
    server.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("worker did not start")
        anyio.run(_load, url, inboxes, min(200, total), concurrency)  # warm-up
        elapsed, latencies = anyio.run(_load, url, inboxes, total, concurrency)
    finally:
        server.kill()
        server.join()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000


def _single_redis(directory: str) -> tuple[str, subprocess.Popen[bytes]]:
    """A redis-server without persistence, like the cluster's nodes."""
    port = free_port()
    binary = shutil.which("redis-server") or "redis-server"
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    return f"redis://127.0.0.1:{port}/0", process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=6, help="a multiple of 3")
    parser.add_argument("--messages", type=int, default=3000, help="per scenario at C>1")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as directory:
        single_url, single = _single_redis(directory)
        cluster = LocalCluster(Path(directory) / "cluster").start()
        try:
            print(f"{'redis':8} {'agents':>6} {'C':>3} {'msg/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
            for concurrency in args.concurrency:
                total = args.messages if concurrency > 1 else max(300, args.messages // 5)
                total -= total % concurrency
                names = names_per_master(cluster, "bench", max(1, args.agents // 3))
                for label, url in (("single", single_url), ("cluster", cluster.url)):
                    msg_s, p50, p99 = _run(url, names, total, concurrency)
                    print(
                        f"{label:8} {len(names):>6} {concurrency:>3} {msg_s:>9.0f} "
                        f"{p50:>8.2f} {p99:>8.2f}",
                        flush=True,
                    )
        finally:
            cluster.stop()
            single.kill()
            single.wait()


if __name__ == "__main__":
    main()

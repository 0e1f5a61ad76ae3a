"""Echo throughput and latency over Redis Streams: raw redis-py vs the swarm worker.

Both servers answer the same load in the same run, each in its own process:

* ``raw``: the floor. One XREADGROUP loop; per batch one pipeline of XADD replies + XACK.
* ``worker``: ``workers.Worker`` with a trivial handler (echo, nothing persisted): decoding,
  room ordering, lanes, batch commit, heartbeats, reclaim and trimming all included.

The load: ``C`` senders (C = concurrency), each in its own room, each sending one message and
waiting for its reply before the next. Latency is send -> reply read, seen by the sender.

    .venv/bin/python bench/echo_bench.py [--redis-url URL] [--messages N] [--concurrency 1 64]

Without ``--redis-url`` a private redis-server (no persistence) is started on a free port.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from typing import Any

import anyio

from swarm.bus import Message, connect, register_agent
from swarm.types import Content
from workers import Outcome, PartialSink, Worker, WorkerOptions

GROUP = "bench"


class EchoHandler:
    """The trivial handler: echo the text, persist nothing."""

    async def handle(self, message: Message, partial: PartialSink) -> Outcome:
        return Outcome(message, Content(text=message.content.text))

    async def persist(self, outcomes: Sequence[Outcome]) -> None:
        return None


async def _raw_server(url: str, inbox: str, ready: Any) -> None:
    redis = connect(url)
    await redis.xgroup_create(inbox, GROUP, id="0", mkstream=True)
    ready.set()
    while True:
        found: Any = await redis.xreadgroup(GROUP, "raw", {inbox: ">"}, count=256, block=1000)
        if not found:
            continue
        pipe = redis.pipeline(transaction=False)
        ids = []
        for _, items in found:
            for entry_id, fields in items:
                ids.append(entry_id)
                pipe.xadd(fields[b"reply_to"], {"type": "reply", "text": fields[b"text"]})
        pipe.xack(inbox, GROUP, *ids)
        await pipe.execute()


async def _worker_server(url: str, name: str, ready: Any) -> None:
    redis = connect(url)
    agent = await register_agent(redis, name)
    options = WorkerOptions(concurrency=64, batch_size=256)
    worker = Worker(redis, EchoHandler(), [agent], options)
    async with anyio.create_task_group() as tg:
        await tg.start(worker.run)
        ready.set()


def _serve(kind: str, url: str, target: str, ready: Any) -> None:
    if kind == "raw":
        anyio.run(_raw_server, url, target, ready)
    else:
        anyio.run(_worker_server, url, target, ready)


async def _load(url: str, inbox: str, total: int, concurrency: int) -> tuple[float, list[float]]:
    redis = connect(url)
    latencies: list[float] = []
    per_sender = total // concurrency

    async def sender(n: int) -> None:
        reply_to = f"bench:reply:{uuid.uuid4().hex}"
        last = "0"
        for i in range(per_sender):
            started = time.perf_counter()
            await redis.xadd(inbox, {"text": f"{n}:{i}", "room": f"room-{n}", "reply_to": reply_to})
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
    return elapsed, latencies


def _run(kind: str, url: str, total: int, concurrency: int) -> dict[str, float]:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    from swarm.bus import keys
    from swarm.ids import string_to_uuid

    inbox = keys.inbox(string_to_uuid(name)) if kind == "worker" else f"bench:raw:{name}"
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(
        target=_serve, args=(kind, url, name if kind == "worker" else inbox, ready)
    )
    server.start()
    try:
        if not ready.wait(30):
            raise RuntimeError(f"{kind} server did not start")
        anyio.run(_load, url, inbox, min(200, total), concurrency)  # warm-up
        elapsed, latencies = anyio.run(_load, url, inbox, total, concurrency)
    finally:
        server.kill()
        server.join()
    latencies.sort()
    return {
        "msg_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def _private_redis() -> tuple[str, subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found; pass --redis-url")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    directory = tempfile.mkdtemp(prefix="echo-bench-")
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    return f"redis://127.0.0.1:{port}/0", process, directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url")
    parser.add_argument("--messages", type=int, default=5000, help="per scenario at C=64")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64])
    args = parser.parse_args()
    process = None
    url = args.redis_url
    if url is None:
        url, process, _ = _private_redis()
    try:
        print(f"{'server':8} {'C':>3} {'msg/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
        results: dict[tuple[str, int], dict[str, float]] = {}
        for concurrency in args.concurrency:
            total = args.messages if concurrency > 1 else max(500, args.messages // 5)
            total -= total % concurrency
            for kind in ("raw", "worker"):
                r = _run(kind, url, total, concurrency)
                results[(kind, concurrency)] = r
                print(
                    f"{kind:8} {concurrency:>3} {r['msg_s']:>9.0f} "
                    f"{r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}",
                    flush=True,
                )
        for concurrency in args.concurrency:
            ratio = (
                results[("worker", concurrency)]["msg_s"] / results[("raw", concurrency)]["msg_s"]
            )
            print(f"worker/raw throughput at C={concurrency}: {ratio:.2f}")
    finally:
        if process is not None:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()

"""End-to-end throughput and latency over Redis Streams, three servers in one run.

Each server runs in its own process against the same private redis-server, one after the
other, under the same load:

* ``raw``: the floor. A bare redis-py loop on a plain ``redis.asyncio`` client (hiredis
  parsing; none of swarm's connection tuning): one ``XREADGROUP`` per batch, one pipeline
  of ``XADD`` replies + ``XACK``. Nothing else.
* ``echo``: ``workers.Worker`` with a trivial handler (echo, nothing persisted): decoding,
  room ordering, lanes, the batch commit, heartbeats, reclaim and trimming included.
* ``full``: the product's path: ``Worker`` + ``RuntimeHandler`` + ``AgentRuntime`` with the
  offline model; every turn's memory rows written to PostgreSQL (one schema of its own,
  dropped afterwards) before the reply is sent and the entry acked.

Load: ``C`` senders (C = concurrency), each in its own room, each sending a message and
waiting for its reply before sending the next. Latency is send -> reply read.

    .venv/bin/python -m bench.streams [--messages 5000] [--concurrency 1 64] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import psutil
import redis.asyncio as aioredis

from bench.servers import DEFAULT_PG_URL, drop_schema, new_schema, private_redis
from swarm.bus import Message, connect, keys, register_agent
from swarm.ids import string_to_uuid
from swarm.types import Content
from workers import Outcome, PartialSink, Worker, WorkerOptions

__all__ = ["CHARACTER_PATH", "KINDS", "run_streams"]

KINDS = ("raw", "echo", "full")
CHARACTER_PATH = Path(__file__).resolve().parent.parent / "examples" / "characters" / "eliza.json"
TEXTS = ("hello there", "how are you today?", "what do you think about dreams?", "thanks, bye")
_GROUP = "bench"
_WORKER_OPTIONS: dict[str, Any] = {"concurrency": 64, "batch_size": 256}


class _EchoHandler:
    """The trivial handler: echo the text, persist nothing."""

    async def handle(self, message: Message, partial: PartialSink) -> Outcome:
        return Outcome(message, Content(text=message.content.text))

    async def persist(self, outcomes: Sequence[Outcome]) -> None:
        return None


async def _raw_server(url: str, inbox: str, ready: Any, _: Any) -> None:
    redis = aioredis.Redis.from_url(url)  # plain redis-py (hiredis parsing): no swarm tuning
    await redis.xgroup_create(inbox, _GROUP, id="0", mkstream=True)
    ready.set()
    while True:
        found: Any = await redis.xreadgroup(_GROUP, "raw", {inbox: ">"}, count=256, block=1000)
        if not found:
            continue
        pipe = redis.pipeline(transaction=False)
        ids = []
        for _stream, items in found:
            for entry_id, fields in items:
                ids.append(entry_id)
                pipe.xadd(fields[b"reply_to"], {"type": "reply", "text": fields[b"text"]})
        pipe.xack(inbox, _GROUP, *ids)
        await pipe.execute()


async def _echo_server(url: str, name: str, ready: Any, _: Any) -> None:
    redis = connect(url)
    agent = await register_agent(redis, name)
    worker = Worker(redis, _EchoHandler(), [agent], WorkerOptions(**_WORKER_OPTIONS))
    async with anyio.create_task_group() as tg:
        await tg.start(worker.run)
        ready.set()


async def _full_server(url: str, name: str, ready: Any, store_args: tuple[str, str]) -> None:
    from swarm.characters import load_characters
    from swarm.memory import AgentRecord as StoredAgent
    from swarm.memory import create_store
    from swarm.runtime import AgentRuntime
    from workers import RuntimeHandler

    pg_url, schema = store_args
    store = create_store(pg_url, schema=schema, pool_size=4)
    await store.init()
    (character,) = await load_characters(str(CHARACTER_PATH))
    character = character.model_copy(update={"name": name, "id": None})
    runtime = AgentRuntime(character, adapter=store)
    await runtime.initialize()
    await store.create_agent(StoredAgent(id=runtime.agent_id, name=name))
    redis = connect(url)
    agent = await register_agent(redis, name, runtime.agent_id)
    handler = RuntimeHandler([runtime], store)
    worker = Worker(redis, handler, [agent], WorkerOptions(**_WORKER_OPTIONS))
    async with anyio.create_task_group() as tg:
        await tg.start(worker.run)
        ready.set()


_SERVERS: dict[str, Callable[..., Any]] = {
    "raw": _raw_server,
    "echo": _echo_server,
    "full": _full_server,
}


def _serve(kind: str, url: str, target: str, ready: Any, extra: Any) -> None:
    anyio.run(_SERVERS[kind], url, target, ready, extra)


async def _load(url: str, inbox: str, total: int, concurrency: int) -> tuple[float, list[float]]:
    redis = connect(url)
    latencies: list[float] = []
    per_sender = total // concurrency

    async def sender(n: int) -> None:
        reply_to = f"bench:reply:{uuid.uuid4().hex}"
        last = "0"
        for i in range(per_sender):
            started = time.perf_counter()
            text = TEXTS[i % len(TEXTS)]
            await redis.xadd(inbox, {"text": text, "room": f"room-{n}", "reply_to": reply_to})
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


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]


def run_one(
    kind: str,
    url: str,
    total: int,
    concurrency: int,
    *,
    pg_url: str = DEFAULT_PG_URL,
    warmup: int = 200,
    on_server: Callable[[int], None] | None = None,
) -> dict[str, float]:
    """One server under one load: messages/s, p50/p99 latency, server CPU per message."""
    name = f"bench-{uuid.uuid4().hex[:8]}"
    inbox = f"bench:raw:{name}" if kind == "raw" else keys.inbox(string_to_uuid(name))
    schema = new_schema() if kind == "full" else ""
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    target = inbox if kind == "raw" else name
    server = ctx.Process(target=_serve, args=(kind, url, target, ready, (pg_url, schema)))
    server.start()
    try:
        if not ready.wait(60):
            raise RuntimeError(f"the {kind} server did not start within 60 s")
        if on_server is not None and server.pid is not None:
            on_server(server.pid)
        if warmup:
            anyio.run(_load, url, inbox, max(concurrency, warmup), concurrency)
        cpu = psutil.Process(server.pid)
        cpu_before = sum(cpu.cpu_times()[:2])
        elapsed, latencies = anyio.run(_load, url, inbox, total, concurrency)
        cpu_s = sum(cpu.cpu_times()[:2]) - cpu_before
    finally:
        server.kill()
        server.join()
        if schema:
            drop_schema(pg_url, schema)
    latencies.sort()
    return {
        "messages": len(latencies),
        "msg_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "server_cpu_us_per_msg": cpu_s / len(latencies) * 1e6,
    }


def run_streams(
    *,
    messages: int = 5000,
    concurrency: Sequence[int] = (1, 64),
    kinds: Sequence[str] = KINDS,
    pg_url: str = DEFAULT_PG_URL,
    warmup: int = 200,
    repeat: int = 1,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Every kind at every concurrency, ``repeat`` rounds, one private redis-server: a row each.

    ``messages`` is the count at the highest concurrency; C=1 runs a fifth of it (at least
    100), since one sender at a time is slow to collect. Within a round the kinds run one
    right after the other, so a round's full/raw ratio compares servers under the same load
    on the machine; each row holds the medians over the rounds (see :func:`summarize`).
    """
    runs: list[dict[str, Any]] = []
    with private_redis() as url:
        for c in concurrency:
            total = messages if c > 1 else max(100, messages // 5)
            total -= total % c
            for round_ in range(repeat):
                for kind in kinds:
                    if progress is not None:
                        what = f"{kind} echo" if kind != "full" else "full path"
                        progress(f"{what}, C={c}, round {round_ + 1}/{repeat}")
                    result = run_one(kind, url, total, c, pg_url=pg_url, warmup=warmup)
                    runs.append({"kind": kind, "concurrency": c, "round": round_, **result})
    return summarize(runs)


def summarize(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (kind, concurrency): the median of each figure over the rounds.

    Each row lists every round's msg/s (``msg_s_each``); a full-path row also has each
    round's full/raw throughput ratio (``vs_raw_each``) and their median (``vs_raw``).
    """
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["kind"], run["concurrency"]), []).append(run)
    raw_by_round = {(r["concurrency"], r["round"]): r["msg_s"] for r in runs if r["kind"] == "raw"}
    rows: list[dict[str, Any]] = []
    for (kind, c), group in groups.items():
        row: dict[str, Any] = {"kind": kind, "concurrency": c, "rounds": len(group)}
        row["messages"] = group[0]["messages"]
        for figure in ("msg_s", "p50_ms", "p99_ms", "server_cpu_us_per_msg"):
            row[figure] = statistics.median(r[figure] for r in group)
        row["msg_s_each"] = [r["msg_s"] for r in group]
        if kind == "full":
            paired = [
                r["msg_s"] / raw_by_round[(c, r["round"])]
                for r in group
                if (c, r["round"]) in raw_by_round
            ]
            if paired:
                row["vs_raw_each"] = paired
                row["vs_raw"] = statistics.median(paired)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000, help="per scenario at C=64")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--repeat", type=int, default=1, help="rounds; rows give medians")
    parser.add_argument("--pg-url", default=os.environ.get("SWARM_BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--profile", metavar="OUT", help="py-spy a server into OUT (.svg/.txt)")
    parser.add_argument("--profile-kind", default="full", choices=KINDS)
    args = parser.parse_args()
    if args.profile:
        _profile_full(args)
        return
    rows = run_streams(
        messages=args.messages,
        concurrency=args.concurrency,
        kinds=args.kinds,
        pg_url=args.pg_url,
        repeat=args.repeat,
    )
    print(f"{'server':6} {'C':>3} {'msg/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu us/msg':>10}")
    for r in rows:
        print(
            f"{r['kind']:6} {r['concurrency']:>3} {r['msg_s']:>9.0f} "
            f"{r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['server_cpu_us_per_msg']:>10.0f}"
        )
    if args.repeat > 1:
        print(f"(medians over {args.repeat} rounds)")
    for r in rows:
        if "vs_raw" in r:
            each = ", ".join(f"{x:.2f}" for x in r["vs_raw_each"])
            print(f"full/raw throughput at C={r['concurrency']}: {r['vs_raw']:.2f} ({each})")


def _profile_full(args: Any) -> None:
    """Record one server with py-spy while it serves the load (for finding hot spots)."""
    import subprocess

    spy: list[subprocess.Popen[bytes]] = []

    def attach(pid: int) -> None:
        command = ["py-spy", "record", "-p", str(pid), "-o", args.profile, "-r", "200"]
        if args.profile.endswith(".txt"):
            command += ["-f", "raw"]
        spy.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))

    with private_redis() as url:
        c = max(args.concurrency)
        kind = args.profile_kind
        result = run_one(kind, url, args.messages, c, pg_url=args.pg_url, on_server=attach)
    for process in spy:
        process.wait()
    print(result)


if __name__ == "__main__":
    main()

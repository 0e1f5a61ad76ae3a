"""The whole benchmark suite in one run: ``bench/results/latest.json`` and a PNG chart.

Steps, each in fresh processes against throwaway servers (a private redis-server, a
PostgreSQL schema of its own that is dropped afterwards):

1. ``end_to_end``: raw Redis echo, worker echo and the full path at each concurrency;
2. ``fleet``: start time of a worker hosting ``start_agents`` agents, RSS per agent for
   ``memory_agents`` agents;
3. ``store``: memory-store write rows/s (one row per call, batches of 100, raw COPY).

``quick=True`` shrinks every step (for smoke runs: the figures are noise, the shape is not).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from bench.fleet import run_fleet
from bench.servers import DEFAULT_PG_URL, drop_schema, new_schema
from bench.streams import run_streams

__all__ = ["RESULTS_DIR", "STEPS", "SuiteSize", "machine", "run_suite", "write_chart"]

RESULTS_DIR = Path(__file__).resolve().parent / "results"
STEPS = ("end_to_end", "fleet", "store", "chart")


@dataclass(frozen=True, slots=True)
class SuiteSize:
    """How much work each step does."""

    messages: int = 6400
    """Messages per end-to-end scenario at the highest concurrency (C=1 runs a fifth)."""
    concurrency: tuple[int, ...] = (1, 64)
    warmup: int = 200
    repeat: int = 3
    """Rounds of the end-to-end scenarios (raw, echo, full back to back); rows give medians."""
    start_agents: int = 100
    memory_agents: int = 1000
    store_rows: int = 5000

    @classmethod
    def quick(cls) -> SuiteSize:
        return cls(
            messages=128, warmup=16, repeat=1, start_agents=5, memory_agents=20, store_rows=200
        )


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_avg_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


async def _store_writes(pg_url: str, rows: int) -> list[dict[str, Any]]:
    """Rows/s of the store's writes (one per call, batches of 100) and of raw COPY."""
    import psycopg

    from bench.store_bench import COLUMNS, memories, raw_row, timed
    from swarm.memory import create_store
    from swarm.types import now_ms

    schema = new_schema()
    store = create_store(pg_url, schema=schema, pool_size=2)
    await store.init()
    out: list[dict[str, Any]] = []
    try:
        room, agent = str(uuid.uuid4()), str(uuid.uuid4())
        single = memories(min(rows, 1000), room, agent)

        async def one_by_one() -> None:
            for m in single:
                await store.create_memory(m)

        out.append(_store_row("store: one row per call", 1, len(single), await timed(one_by_one)))
        batch = memories(rows, room, agent)

        async def batched() -> None:
            for i in range(0, len(batch), 100):
                await store.create_memories(batch[i : i + 100])

        out.append(_store_row("store: batch of 100", 100, rows, await timed(batched)))
        copied, now = memories(rows, room, agent), now_ms()
        plain = pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
        async with await psycopg.AsyncConnection.connect(
            plain, options=f"-c search_path={schema}", autocommit=True
        ) as conn:

            async def copy() -> None:
                async with (
                    conn.transaction(),
                    conn.cursor() as cur,
                    cur.copy(f"COPY memories ({COLUMNS}) FROM STDIN") as cp,
                ):
                    for m in copied:
                        await cp.write_row(raw_row(m, now))

            out.append(_store_row("raw psycopg COPY (baseline)", rows, rows, await timed(copy)))
    finally:
        await store.close()
        drop_schema(pg_url, schema)
    return out


def _store_row(path: str, batch: int, rows: int, seconds: float) -> dict[str, Any]:
    return {"path": path, "batch": batch, "rows": rows, "rows_s": rows / seconds}


def _ratios(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {str(r["concurrency"]): r["vs_raw"] for r in rows if "vs_raw" in r}


def run_suite(
    *,
    quick: bool = False,
    size: SuiteSize | None = None,
    pg_url: str = DEFAULT_PG_URL,
    out_dir: Path = RESULTS_DIR,
    progress: Callable[[str, str], None] | None = None,
) -> dict[str, Any]:
    """Run every step, write ``latest.json`` and ``latest.png`` into ``out_dir``; the data.

    ``quick`` runs :meth:`SuiteSize.quick` unless ``size`` says otherwise;
    ``progress(step, detail)`` is told what runs now.
    """
    size = size or (SuiteSize.quick() if quick else SuiteSize())
    say = progress or (lambda step, detail: None)
    started = time.perf_counter()
    data: dict[str, Any] = {
        "version": 1,
        "quick": quick,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "size": {
            "messages": size.messages,
            "concurrency": list(size.concurrency),
            "repeat": size.repeat,
            "start_agents": size.start_agents,
            "memory_agents": size.memory_agents,
            "store_rows": size.store_rows,
        },
    }
    say("end_to_end", "starting")
    rows = run_streams(
        messages=size.messages,
        concurrency=size.concurrency,
        pg_url=pg_url,
        warmup=size.warmup,
        repeat=size.repeat,
        progress=lambda detail: say("end_to_end", detail),
    )
    data["end_to_end"] = rows
    data["full_vs_raw"] = _ratios(rows)
    say("fleet", f"{size.start_agents} agents starting, then {size.memory_agents} hosted")
    data["fleet"] = run_fleet(
        start_agents=size.start_agents, memory_agents=size.memory_agents, pg_url=pg_url
    )
    say("store", f"{size.store_rows} rows per path")
    data["store"] = anyio.run(_store_writes, pg_url, size.store_rows)
    data["duration_s"] = time.perf_counter() - started
    say("chart", "drawing")
    out_dir.mkdir(parents=True, exist_ok=True)
    data["chart"] = write_chart(data, out_dir / "latest.png").name
    (out_dir / "latest.json").write_text(json.dumps(data, indent=2) + "\n")
    return data


def write_chart(data: dict[str, Any], path: Path) -> Path:
    """Throughput, latency, store writes and the fleet figures, as one PNG."""
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError(
            "the benchmark chart needs matplotlib: pip install -e '.[bench]' (make bench does)"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["end_to_end"]
    kinds = ["raw", "echo", "full"]
    labels = {"raw": "raw redis-py echo", "echo": "worker, echo handler", "full": "full path"}
    colors = {"raw": "#9e9e9e", "echo": "#64b5f6", "full": "#1565c0"}
    levels = sorted({r["concurrency"] for r in rows})
    by = {(r["kind"], r["concurrency"]): r for r in rows}
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    width = 0.8 / len(kinds)
    for ax, metric, title in (
        (axes[0][0], "msg_s", "End-to-end throughput (messages/s, higher is better)"),
        (axes[0][1], "p99_ms", "Latency p50 (bar) and p99 (tick), ms, lower is better"),
    ):
        for i, kind in enumerate(kinds):
            xs = [n + (i - 1) * width for n in range(len(levels))]
            found = [by.get((kind, c)) for c in levels]
            if metric == "msg_s":
                values = [r["msg_s"] if r else 0 for r in found]
                bars = ax.bar(xs, values, width, label=labels[kind], color=colors[kind])
                ax.bar_label(bars, fmt="%.0f", fontsize=8)
            else:
                p50 = [r["p50_ms"] if r else 0 for r in found]
                p99 = [r["p99_ms"] if r else 0 for r in found]
                ax.bar(xs, p50, width, label=labels[kind], color=colors[kind])
                ax.scatter(xs, p99, marker="_", s=300, color="black")
                ax.set_yscale("log")
        ax.set_xticks(range(len(levels)), [f"concurrency {c}" for c in levels])
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    store = data["store"]
    ax = axes[1][0]
    bars = ax.barh([s["path"] for s in store], [s["rows_s"] for s in store], color="#2e7d32")
    ax.bar_label(bars, fmt="%.0f", fontsize=8)
    ax.set_title("PostgreSQL store writes (rows/s, higher is better)", fontsize=10)
    ax = axes[1][1]
    ax.axis("off")
    fleet = data["fleet"]
    ratios = ", ".join(f"C={c}: {r:.2f}" for c, r in data["full_vs_raw"].items())
    m = data["machine"]
    ax.text(
        0.0,
        0.95,
        "\n".join(
            [
                f"full path / raw echo throughput: {ratios}",
                "",
                f"fleet start, {fleet['start']['agents']} agents in one worker:",
                f"    {fleet['start']['start_s']:.2f} s until all answered",
                f"    ({fleet['start']['serving_s']:.2f} s until serving)",
                f"memory per hosted agent ({fleet['memory']['agents']} agents):",
                f"    {fleet['memory']['rss_per_agent_kb']:.0f} KiB "
                f"(RSS {fleet['memory']['rss_before_mb']:.0f} -> "
                f"{fleet['memory']['rss_after_mb']:.0f} MiB)",
                "",
                f"{m['cpu']}, {m['cores']} cores, Python {m['python']}",
                f"load average (1 min) at start: {m['load_avg_1m']:.2f}",
                f"measured {data['measured_at']}"
                + ("  (QUICK: smoke run)" if data["quick"] else ""),
            ]
        ),
        va="top",
        family="monospace",
        fontsize=9,
    )
    fig.suptitle("swarm benchmarks (bench/results/latest.json)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

"""Memory store throughput: single and batched writes, batch reads, and raw-driver baselines.

    python bench/store_bench.py [--url postgresql+psycopg://...] [--rows 5000] [--repeat 1]

Runs every path on PostgreSQL (a throwaway schema, dropped at the end) and on SQLite (a
temporary file), each next to what the bare driver does on the same table in the same
run: psycopg ``COPY`` and one autocommit ``INSERT`` per row on PostgreSQL, ``sqlite3``
``executemany`` in one transaction on SQLite. Prints a table and writes
bench/results/store.json (each path's figures over ``--repeat`` runs). ``swarm bench``
runs its write paths.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import msgspec
import psycopg

from swarm.memory import MemoryStore, create_store
from swarm.types import Content, Memory, MemoryMetadata, now_ms

RESULTS = Path(__file__).parent / "results" / "store.json"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COLUMNS = (
    'id, type, entity_id, agent_id, room_id, world_id, scope, "unique", content, metadata, '
    "created_at"
)
Result = dict[str, Any]


def memories(n: int, room: str, agent: str) -> list[Memory]:
    return [
        Memory(
            id=str(uuid.uuid4()),
            entity_id=agent,
            agent_id=agent,
            room_id=room,
            content=Content(text=f"message number {i} with a few words of text", source="bench"),
            metadata=MemoryMetadata(type="message"),
        )
        for i in range(n)
    ]


def raw_row(m: Memory, now: int) -> tuple[Any, ...]:
    enc = msgspec.json.encode
    return (
        m.id,
        "messages",
        m.entity_id,
        m.agent_id,
        m.room_id,
        None,
        "private",
        True,
        enc(m.content).decode(),
        enc(m.metadata).decode(),
        now,
    )


def result(backend: str, path: str, batch: int, rows: int, seconds: float) -> Result:
    return {
        "backend": backend,
        "path": path,
        "batch": batch,
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "ms_per_call": seconds * 1000 / max(1, rows // batch),
    }


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await fn()
    return time.perf_counter() - start


async def store_paths(store: MemoryStore, backend: str, rows: int) -> list[Result]:
    """The store's own hot paths: what a worker calls."""
    room, agent = str(uuid.uuid4()), str(uuid.uuid4())
    out: list[Result] = []
    single = memories(min(rows, 1000), room, agent)

    async def one_by_one() -> None:
        for m in single:
            await store.create_memory(m)

    out.append(result(backend, "create_memory", 1, len(single), await timed(one_by_one)))
    for batch in (100, 1000):
        data = memories(rows, room, agent)

        async def batched(data: list[Memory] = data, batch: int = batch) -> None:
            for i in range(0, len(data), batch):
                await store.create_memories(data[i : i + batch])

        out.append(result(backend, "create_memories", batch, rows, await timed(batched)))
    ids = [m.id for m in single if m.id is not None]

    async def by_ids() -> None:
        for i in range(0, len(ids), 100):
            assert len(await store.get_memories_by_ids(ids[i : i + 100])) == 100

    out.append(result(backend, "get_memories_by_ids", 100, len(ids), await timed(by_ids)))
    reads = 500

    async def recent() -> None:
        for _ in range(reads):
            assert len(await store.get_memories(room_id=room, agent_id=agent, count=20)) == 20

    out.append(result(backend, "get_memories count=20", 20, reads * 20, await timed(recent)))
    # A table filled seconds ago has no planner statistics yet; autovacuum gathers them.
    await store._execute("ANALYZE memories")
    out.append(result(backend, "  same, after ANALYZE", 20, reads * 20, await timed(recent)))
    return out


async def postgres(url: str, rows: int) -> list[Result]:
    schema = f"swarm_bench_{uuid.uuid4().hex[:8]}"
    store = create_store(url, schema=schema, pool_size=4)
    await store.init()
    try:
        out = await store_paths(store, "postgresql", rows)
        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        room, agent = str(uuid.uuid4()), str(uuid.uuid4())
        async with await psycopg.AsyncConnection.connect(
            plain, options=f"-c search_path={schema}", autocommit=True
        ) as conn:
            data, now = memories(min(rows, 1000), room, agent), now_ms()
            sql = f"INSERT INTO memories ({COLUMNS}) VALUES ({', '.join(['%s'] * 11)})"

            async def inserts() -> None:
                for m in data:
                    await conn.execute(sql, raw_row(m, now))

            seconds = await timed(inserts)
            out.append(result("postgresql", "raw psycopg INSERT", 1, len(data), seconds))
            data = memories(rows, room, agent)

            async def copy() -> None:
                async with (
                    conn.transaction(),
                    conn.cursor() as cur,
                    cur.copy(f"COPY memories ({COLUMNS}) FROM STDIN") as cp,
                ):
                    for m in data:
                        await cp.write_row(raw_row(m, now))

            out.append(result("postgresql", "raw psycopg COPY", rows, rows, await timed(copy)))
    finally:
        await store._execute(f'DROP SCHEMA "{schema}" CASCADE')
        await store.close()
    return out


async def sqlite(rows: int) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        store = create_store(f"sqlite+aiosqlite:///{path}")
        await store.init()
        try:
            out = await store_paths(store, "sqlite", rows)
        finally:
            await store.close()
        data, now = memories(rows, str(uuid.uuid4()), str(uuid.uuid4())), now_ms()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA synchronous = NORMAL")
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            f"INSERT INTO memories ({COLUMNS}) VALUES ({', '.join(['?'] * 11)})",
            [raw_row(m, now) for m in data],
        )
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        conn.close()
        out.append(result("sqlite", "raw sqlite3 executemany", rows, rows, seconds))
    return out


async def run(url: str, rows: int) -> list[Result]:
    return [*(await postgres(url, rows)), *(await sqlite(rows))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    runs = [anyio.run(run, args.url, args.rows) for _ in range(args.repeat)]
    merged: list[Result] = []
    print(f"{'backend':<11} {'path':<24} {'batch':>6} {'rows/s (min-max)':>20} {'ms/call':>13}")
    for i, first in enumerate(runs[0]):
        rates = sorted(r[i]["rows_per_s"] for r in runs)
        calls = sorted(r[i]["ms_per_call"] for r in runs)
        merged.append({**first, "rows_per_s_runs": rates, "ms_per_call_runs": calls})
        print(
            f"{first['backend']:<11} {first['path']:<24} {first['batch']:>6} "
            f"{rates[0]:>9,.0f}-{rates[-1]:<10,.0f} {calls[0]:>6.3f}-{calls[-1]:<6.3f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"repeat": args.repeat, "results": merged}, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

"""Memory store write throughput on PostgreSQL: single, batched, and raw COPY for reference.

    python bench/store_bench.py [--url postgresql+psycopg://...] [--rows 5000]

Writes into a throwaway schema (dropped at the end); prints a table and writes
bench/results/store.json. Run with ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path
from typing import Any

import anyio
import msgspec
import psycopg

from swarm.memory import create_store
from swarm.types import Content, Memory, MemoryMetadata, now_ms

RESULTS = Path(__file__).parent / "results" / "store.json"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


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


async def run(url: str, rows: int) -> list[dict[str, Any]]:
    schema = f"swarm_bench_{uuid.uuid4().hex[:8]}"
    store = create_store(url, schema=schema, pool_size=4)
    await store.init()
    room, agent = str(uuid.uuid4()), str(uuid.uuid4())
    results: list[dict[str, Any]] = []

    async def measure(name: str, batch: int, n: int) -> None:
        data = memories(n, room, agent)
        start = time.perf_counter()
        if batch == 1:
            for m in data:
                await store.create_memory(m)
        else:
            for i in range(0, n, batch):
                await store.create_memories(data[i : i + batch])
        elapsed = time.perf_counter() - start
        results.append(
            {"path": name, "batch": batch, "rows": n, "seconds": elapsed, "rows_per_s": n / elapsed}
        )

    try:
        await measure("create_memory", 1, min(rows, 1000))
        await measure("create_memories", 100, rows)
        await measure("create_memories", 1000, rows)
        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        data = memories(rows, room, agent)
        enc = msgspec.json.encode
        async with await psycopg.AsyncConnection.connect(
            plain, options=f"-c search_path={schema}"
        ) as conn:
            start = time.perf_counter()
            async with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY memories (id, type, entity_id, agent_id, room_id, world_id, scope, "
                    '"unique", content, metadata, created_at) FROM STDIN'
                ) as copy,
            ):
                now = now_ms()
                for m in data:
                    await copy.write_row(
                        (
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
                    )
            await conn.commit()
            elapsed = time.perf_counter() - start
        results.append(
            {
                "path": "raw psycopg COPY",
                "batch": rows,
                "rows": rows,
                "seconds": elapsed,
                "rows_per_s": rows / elapsed,
            }
        )
    finally:
        await store._execute(f'DROP SCHEMA "{schema}" CASCADE')
        await store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    results = anyio.run(run, args.url, args.rows)
    print(f"{'path':<20} {'batch':>6} {'rows':>7} {'rows/s':>10}")
    for r in results:
        print(f"{r['path']:<20} {r['batch']:>6} {r['rows']:>7} {r['rows_per_s']:>10,.0f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"backend": "postgresql", "results": results}, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

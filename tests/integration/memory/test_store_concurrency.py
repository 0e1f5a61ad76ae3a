"""Real processes racing on one store: migrations and idempotent writes."""

from __future__ import annotations

import multiprocessing
import uuid
from multiprocessing.synchronize import Event
from pathlib import Path

import anyio
import psycopg
import pytest

from swarm.memory import create_store
from tests.support.memory import drop_schema, libpq_url, make_memory, unique_schema

pytestmark = pytest.mark.integration

# fork: the children inherit the imported modules, so 20 of them start in milliseconds.
CTX = multiprocessing.get_context("fork")


def _migrate(url: str, schema: str | None, go: Event) -> None:
    async def main() -> None:
        store = create_store(url, schema=schema, pool_size=1)
        go.wait(10)
        await store.init()
        await store.close()

    anyio.run(main)


def _write(url: str, schema: str | None, ids: list[str], room: str, go: Event) -> None:
    async def main() -> None:
        store = create_store(url, schema=schema, pool_size=1)
        await store.init()
        go.wait(10)
        for start in range(0, len(ids), 100):
            await store.create_memories(
                [make_memory(room_id=room, id=i) for i in ids[start : start + 100]]
            )
        await store.close()

    anyio.run(main)


def _run_all(targets: list[tuple[object, ...]], fn: object) -> list[int | None]:
    go = CTX.Event()
    procs = [CTX.Process(target=fn, args=(*args, go)) for args in targets]  # type: ignore[arg-type]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(30)
    return [p.exitcode for p in procs]


def _store_url(backend: str, tmp_path: Path, postgres_url: str) -> str:
    return postgres_url if backend == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/race.db"


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_twenty_processes_migrating_at_once_all_succeed_once(
    backend: str, tmp_path: Path, postgres_url: str
) -> None:
    """20 processes calling init() together all succeed and migration 1 is recorded once."""
    schema = unique_schema("swarm_race") if backend == "postgresql" else None
    url = _store_url(backend, tmp_path, postgres_url)
    try:
        assert _run_all([(url, schema)] * 20, _migrate) == [0] * 20
        if backend == "postgresql":
            with psycopg.connect(libpq_url(url)) as conn:
                rows = conn.execute(f'SELECT version FROM "{schema}".swarm_migrations').fetchall()
        else:
            import sqlite3

            with sqlite3.connect(tmp_path / "race.db") as conn:
                rows = conn.execute("SELECT version FROM swarm_migrations").fetchall()
        assert rows == [(1,)]
    finally:
        if schema:
            drop_schema(postgres_url, schema)


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_four_processes_writing_the_same_ids_store_each_once(
    backend: str, tmp_path: Path, postgres_url: str
) -> None:
    """4 processes x the same 1,000 ids in batches -> exactly 1,000 rows."""
    schema = unique_schema("swarm_idem") if backend == "postgresql" else None
    url = _store_url(backend, tmp_path, postgres_url)
    ids = [str(uuid.uuid4()) for _ in range(1000)]
    room = str(uuid.uuid4())

    async def count() -> int:
        store = create_store(url, schema=schema)
        await store.init()
        try:
            return await store.count_memories(room_id=room)
        finally:
            await store.close()

    try:
        anyio.run(count)  # migrate first: this test is about the writes
        assert _run_all([(url, schema, ids, room)] * 4, _write) == [0] * 4
        assert anyio.run(count) == 1000
    finally:
        if schema:
            drop_schema(postgres_url, schema)

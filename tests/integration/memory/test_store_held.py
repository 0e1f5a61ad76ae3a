"""The hot path's held connection: reused, bypassed while busy, closed with the store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import psycopg
import pytest

from swarm.memory import MemoryStore, create_store
from tests.support.memory import drop_schema, libpq_url, make_memory, unique_schema

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
async def pg_store(postgres_url: str) -> AsyncIterator[MemoryStore]:
    schema = unique_schema("swarm_held")
    store = create_store(postgres_url, schema=schema, pool_size=1, embedding_dimension=8)
    await store.init()
    try:
        yield store
    finally:
        await store.close()
        drop_schema(postgres_url, schema)


async def backend_pid(conn: psycopg.AsyncConnection) -> int:  # type: ignore[type-arg]
    row = await (await conn.execute("SELECT pg_backend_pid()")).fetchone()
    assert row is not None
    return int(row[0])


async def test_consecutive_hot_calls_share_one_backend(pg_store: MemoryStore) -> None:
    """Hot-path calls one after another run on the same server connection, in autocommit."""
    first = await pg_store._hot(backend_pid, "pid")
    await pg_store.create_memories([make_memory(room_id="r1")])
    assert await pg_store._hot(backend_pid, "pid") == first

    async def autocommit(conn: psycopg.AsyncConnection) -> bool:  # type: ignore[type-arg]
        return conn.autocommit

    assert await pg_store._hot(autocommit, "autocommit")


async def test_a_call_while_the_held_connection_is_busy_uses_the_pool(
    pg_store: MemoryStore,
) -> None:
    """A second concurrent hot-path call runs on another connection and both complete."""
    pids: list[int] = []
    holding = anyio.Event()

    async def slow_pid(conn: psycopg.AsyncConnection) -> None:  # type: ignore[type-arg]
        pids.append(await backend_pid(conn))
        holding.set()
        await conn.execute("SELECT pg_sleep(0.3)")

    async def quick_pid() -> None:
        await holding.wait()
        pids.append(await pg_store._hot(backend_pid, "pid"))

    async with anyio.create_task_group() as tg:
        tg.start_soon(pg_store._hot, slow_pid, "slow")
        tg.start_soon(quick_pid)
    assert len(pids) == 2
    assert pids[0] != pids[1]
    assert await pg_store._hot(backend_pid, "pid") == pids[0]


async def test_a_failed_statement_keeps_the_held_connection(pg_store: MemoryStore) -> None:
    """A statement error on a healthy connection raises StoreError and the connection stays."""
    from swarm.errors import StoreError

    pid = await pg_store._hot(backend_pid, "pid")

    async def bad(conn: psycopg.AsyncConnection) -> None:  # type: ignore[type-arg]
        await conn.execute("SELECT * FROM no_such_table")

    with pytest.raises(StoreError, match="no_such_table"):
        await pg_store._hot(bad, "bad")
    assert await pg_store._hot(backend_pid, "pid") == pid


async def test_close_closes_the_held_connection(pg_store: MemoryStore, postgres_url: str) -> None:
    """After close() the held connection's backend is gone from the server."""
    pid = await pg_store._hot(backend_pid, "pid")
    await pg_store.close()
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as admin:
        for _ in range(50):
            row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            found = row.fetchone()
            if found is not None and found[0] == 0:
                break
            await anyio.sleep(0.02)
        else:
            pytest.fail(f"backend {pid} still open after close()")

"""The batched hot path keeps the store's guarantees: idempotency, atomicity, errors, retries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import anyio
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from swarm.errors import StoreError
from swarm.memory import MemoryStore, RetryPolicy, create_store
from swarm.types import Content, Memory
from tests.support.memory import drop_schema, libpq_url, make_memory, unique_schema

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def one_conn_store(postgres_url: str) -> AsyncIterator[MemoryStore]:
    """A PostgreSQL store whose pool holds a single connection (every call reuses it)."""
    schema = unique_schema("swarm_hot")
    store = create_store(
        postgres_url,
        schema=schema,
        pool_size=1,
        embedding_dimension=8,
        retry=RetryPolicy(attempts=3, initial_s=0.01, max_s=0.02),
    )
    await store.init()
    try:
        yield store
    finally:
        await store.close()
        drop_schema(postgres_url, schema)


async def test_repeated_id_in_a_batch_keeps_the_first_row_and_embedding(
    store: MemoryStore,
) -> None:
    """A batch giving one id twice stores the first memory and the first embedding, once."""
    room, mid = new_id(), new_id()
    batch = [
        make_memory(room_id=room, id=mid, text="first", embedding=[1.0] * 8),
        make_memory(room_id=room, id=mid, text="second", embedding=[2.0] * 8),
    ]
    assert await store.create_memories(batch) == 1
    [stored] = await store.get_memories_by_ids([mid])
    assert (stored.content.text, stored.embedding) == ("first", [1.0] * 8)


async def test_existing_row_gets_no_embedding_from_a_repeat(store: MemoryStore) -> None:
    """Re-sending a stored memory with an embedding adds nothing: the stored row is unchanged."""
    room, mid = new_id(), new_id()
    await store.create_memories([make_memory(room_id=room, id=mid)])
    assert (
        await store.create_memories([make_memory(room_id=room, id=mid, embedding=[1.0] * 8)]) == 0
    )
    again = await store.create_memory(make_memory(room_id=room, id=mid, embedding=[1.0] * 8))
    assert again.embedding is None


async def test_a_bad_row_fails_the_whole_batch_with_store_error(store: MemoryStore) -> None:
    """A row missing its entity fails create_memories with StoreError and writes no row."""
    room = new_id()
    bad = Memory(entity_id=None, room_id=room, content=Content(text="x"))  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="store create_memories failed"):
        await store.create_memories([make_memory(room_id=room), bad])
    assert await store.count_memories(room_id=room) == 0
    assert await store.create_memories([make_memory(room_id=room)]) == 1


async def test_hot_path_leaves_the_pooled_connection_transactional(
    one_conn_store: MemoryStore,
) -> None:
    """After a hot-path call, a failing transaction on that same connection rolls back."""
    room = new_id()
    await one_conn_store.create_memory(make_memory(room_id=room))

    async def insert_then_fail(conn: AsyncConnection) -> None:
        await conn.execute(
            text("INSERT INTO cache (agent_id, key, value, created_at) VALUES (:a, 'k', '1', 0)"),
            {"a": room},
        )
        raise RuntimeError("abort after the first statement")

    with pytest.raises(RuntimeError):
        await one_conn_store._run(insert_then_fail, "test")
    assert await one_conn_store.get_cache(room, "k") is None


async def test_cancelled_call_does_not_poison_the_pool(one_conn_store: MemoryStore) -> None:
    """A hot-path call cancelled mid-statement leaves the store usable on its one connection."""

    async def sleep(conn: psycopg.AsyncConnection) -> None:  # type: ignore[type-arg]
        await conn.execute("SELECT pg_sleep(5)")

    with anyio.move_on_after(0.3):
        await one_conn_store._hot(sleep, "sleep")
    room = new_id()
    assert await one_conn_store.create_memories([make_memory(room_id=room)]) == 1
    assert await one_conn_store.count_memories(room_id=room) == 1


async def test_lost_connection_is_replaced_and_the_write_retried(
    one_conn_store: MemoryStore, postgres_url: str
) -> None:
    """A pooled connection the server killed fails once, is discarded, and the batch succeeds."""

    async def backend_pid(conn: psycopg.AsyncConnection) -> int:  # type: ignore[type-arg]
        row = await (await conn.execute("SELECT pg_backend_pid()")).fetchone()
        assert row is not None
        return int(row[0])

    pid = await one_conn_store._hot(backend_pid, "pid")
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    room = new_id()
    assert await one_conn_store.create_memories([make_memory(room_id=room)]) == 1
    assert await one_conn_store._hot(backend_pid, "pid") != pid
    assert len(await one_conn_store.get_memories(room_id=room, count=5)) == 1

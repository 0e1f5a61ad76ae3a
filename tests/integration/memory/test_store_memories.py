"""The memory methods behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from swarm.errors import ConfigError, EmbeddingDimensionError, StoreError
from swarm.memory import MemoryStore, create_store
from tests.support.memory import make_memory

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def new_id() -> str:
    return str(uuid.uuid4())


async def test_create_memory_fills_id_and_created_at(store: MemoryStore) -> None:
    """A memory without id or created_at gets both, and reads back equal."""
    stored = await store.create_memory(make_memory(room_id=new_id(), agent_id=new_id()))
    assert stored.id is not None
    assert stored.created_at is not None
    assert await store.get_memory(stored.id) == stored


async def test_create_memory_with_existing_id_returns_the_stored_row(store: MemoryStore) -> None:
    """Creating a memory whose id exists changes nothing and returns the first version."""
    room, mid = new_id(), new_id()
    first = await store.create_memory(make_memory(room_id=room, id=mid, text="first"))
    again = await store.create_memory(make_memory(room_id=room, id=mid, text="second"))
    assert again.content.text == "first"
    assert again == first
    assert await store.count_memories(room_id=room) == 1


async def test_create_memories_counts_only_new_rows(store: MemoryStore) -> None:
    """A batch that repeats stored ids (and itself) reports only the rows it added."""
    room = new_id()
    ids = [new_id() for _ in range(5)]
    assert await store.create_memories([make_memory(room_id=room, id=i) for i in ids[:3]]) == 3
    batch = [make_memory(room_id=room, id=i) for i in [*ids, ids[4]]]
    assert await store.create_memories(batch) == 2
    assert await store.count_memories(room_id=room) == 5


async def test_get_memories_is_newest_first_with_count_and_before(store: MemoryStore) -> None:
    """get_memories orders by created_at descending and honours count and before."""
    room = new_id()
    await store.create_memories(
        [make_memory(room_id=room, text=f"m{t}", created_at=t) for t in range(1, 6)]
    )
    newest = await store.get_memories(room_id=room, count=2)
    assert [m.content.text for m in newest] == ["m5", "m4"]
    older = await store.get_memories(room_id=room, before=4)
    assert [m.content.text for m in older] == ["m3", "m2", "m1"]


async def test_get_memories_separates_table_names(store: MemoryStore) -> None:
    """Memories written to one table name are not returned for another."""
    room = new_id()
    await store.create_memory(make_memory(room_id=room, text="fact"), table_name="facts")
    await store.create_memory(make_memory(room_id=room, text="msg"))
    facts = await store.get_memories(room_id=room, table_name="facts")
    assert [m.content.text for m in facts] == ["fact"]


async def test_agent_never_sees_another_agents_private_memories(store: MemoryStore) -> None:
    """With agent_id, a query returns own and shared memories, not other agents' private ones."""
    room, a, b = new_id(), new_id(), new_id()
    await store.create_memories(
        [
            make_memory(room_id=room, agent_id=a, text="a-private", created_at=1),
            make_memory(room_id=room, agent_id=b, text="b-private", created_at=2),
            make_memory(room_id=room, agent_id=b, text="b-shared", created_at=3, scope="shared"),
        ]
    )
    seen = await store.get_memories(room_id=room, agent_id=a)
    assert [m.content.text for m in seen] == ["b-shared", "a-private"]
    assert await store.count_memories(room_id=room, agent_id=a) == 2


async def test_include_agents_grants_explicit_access(store: MemoryStore) -> None:
    """include_agents lets a child read its parent's private memories, and only those."""
    room, child, parent, other = new_id(), new_id(), new_id(), new_id()
    await store.create_memories(
        [
            make_memory(room_id=room, agent_id=parent, text="parent", created_at=1),
            make_memory(room_id=room, agent_id=other, text="other", created_at=2),
        ]
    )
    seen = await store.get_memories(room_id=room, agent_id=child, include_agents=[parent])
    assert [m.content.text for m in seen] == ["parent"]


async def test_delete_memory_removes_it(store: MemoryStore) -> None:
    """delete_memory returns True once and the memory is gone."""
    stored = await store.create_memory(make_memory(room_id=new_id(), embedding=[1.0] * 8))
    assert stored.id is not None
    assert await store.delete_memory(stored.id) is True
    assert await store.delete_memory(stored.id) is False
    assert await store.get_memory(stored.id) is None


async def test_prune_by_count_keeps_the_newest(store: MemoryStore) -> None:
    """keep_latest deletes all but the newest N memories of the room."""
    room, other_room = new_id(), new_id()
    await store.create_memories(
        [make_memory(room_id=room, text=f"m{t}", created_at=t) for t in range(1, 11)]
        + [make_memory(room_id=other_room, created_at=1)]
    )
    assert await store.prune_memories(room_id=room, keep_latest=3) == 7
    assert [m.content.text for m in await store.get_memories(room_id=room)] == ["m10", "m9", "m8"]
    assert await store.count_memories(room_id=other_room) == 1


async def test_prune_by_age_deletes_older_memories_of_that_agent(store: MemoryStore) -> None:
    """older_than_ms deletes only that agent's memories created before the cut-off."""
    room, a, b = new_id(), new_id(), new_id()
    await store.create_memories(
        [make_memory(room_id=room, agent_id=a, created_at=t) for t in (10, 20, 30)]
        + [make_memory(room_id=room, agent_id=b, created_at=5)]
    )
    assert await store.prune_memories(agent_id=a, older_than_ms=25) == 2
    assert await store.count_memories(room_id=room) == 2


async def test_prune_without_a_scope_is_refused(store: MemoryStore) -> None:
    """Pruning needs an agent or a room: a store-wide delete is never implied."""
    with pytest.raises(ConfigError, match="agent_id or room_id"):
        await store.prune_memories(keep_latest=1)


async def test_wrong_embedding_dimension_is_refused_before_writing(store: MemoryStore) -> None:
    """A batch with one wrong-sized embedding raises EmbeddingDimensionError and writes nothing."""
    room = new_id()
    batch = [
        make_memory(room_id=room, embedding=[1.0] * 8),
        make_memory(room_id=room, embedding=[1.0] * 3),
    ]
    with pytest.raises(
        EmbeddingDimensionError, match="3 dimensions but this store is configured for 8"
    ):
        await store.create_memories(batch)
    with pytest.raises(EmbeddingDimensionError):
        await store.search_memories([1.0, 2.0])
    assert await store.count_memories(room_id=room) == 0


async def test_init_is_idempotent(store: MemoryStore) -> None:
    """A second init() on a migrated store is a no-op."""
    await store.init()
    await store.ping()


async def test_use_before_init_says_what_to_do() -> None:
    """Calling a method before init() raises StoreError telling to await init()."""
    s = create_store("sqlite+aiosqlite:///:memory:")
    with pytest.raises(StoreError, match=r"await store\.init\(\)"):
        await s.get_memory(new_id())

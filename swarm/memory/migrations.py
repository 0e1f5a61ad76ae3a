"""Schema migrations, applied in order, once, under a lock.

A small runner rather than Alembic's script directory: the store applies its migrations
from ``init()`` in every worker process, so the runner must hold a lock around "read
version, apply, record" and nothing else. On PostgreSQL that is a transaction-scoped
advisory lock (DDL is transactional there, so a crash leaves the old version intact and
20 workers starting at once apply each migration exactly once); on SQLite it is
``BEGIN IMMEDIATE`` with a busy timeout.

A migration is a function of a synchronous connection. Append new ones to
:data:`MIGRATIONS` with the next version; never edit one that has shipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from swarm.errors import EmbeddingDimensionError
from swarm.memory.schema import Tables, build_tables
from swarm.types import now_ms

__all__ = ["MIGRATIONS", "Migration", "SchemaInfo", "upgrade"]

log = logging.getLogger("swarm.memory")

# pg_advisory_xact_lock key: one lock for every schema of a database, because
# CREATE EXTENSION and CREATE SCHEMA race across schemas too.
MIGRATION_LOCK_KEY = 0x5357_4152_4D00  # "SWARM\0"


@dataclass(frozen=True)
class SchemaInfo:
    """What a store's schema was created with: it decides the embedding column type."""

    dimension: int
    pgvector: bool

    def tables(self) -> Tables:
        return build_tables(self.dimension, self.pgvector)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection, SchemaInfo], None]


def _initial_schema(conn: Connection, info: SchemaInfo) -> None:
    tables = info.tables()
    tables.metadata.create_all(conn)
    if info.pgvector:
        conn.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_embeddings_hnsw ON embeddings "
                "USING hnsw (embedding vector_cosine_ops)"
            )
        )
    conn.execute(
        tables.meta.insert(),
        [
            {"key": "embedding_dimension", "value": str(info.dimension)},
            {"key": "vector_backend", "value": "pgvector" if info.pgvector else "exact"},
        ],
    )


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "initial schema", _initial_schema),)


async def upgrade(engine: AsyncEngine, *, dimension: int, schema: str | None) -> SchemaInfo:
    """Apply every pending migration under the lock; return what the schema holds."""
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        if postgres:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            if schema:
                quoted = engine.dialect.identifier_preparer.quote(schema)
                await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
                await conn.execute(text(f"SET LOCAL search_path TO {quoted}, public"))
        await conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS swarm_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
            )
        )
        applied = set((await conn.execute(text("SELECT version FROM swarm_migrations"))).scalars())
        info = await _schema_info(conn, dimension, postgres, fresh=not applied)
        for migration in MIGRATIONS:
            if migration.version in applied:
                continue
            log.info("applying migration %d (%s)", migration.version, migration.name)
            await conn.run_sync(migration.apply, info)
            await conn.execute(
                text("INSERT INTO swarm_migrations VALUES (:v, :n, :t)"),
                {"v": migration.version, "n": migration.name, "t": now_ms()},
            )
    return info


async def _schema_info(
    conn: AsyncConnection, dimension: int, postgres: bool, *, fresh: bool
) -> SchemaInfo:
    if fresh:
        return SchemaInfo(dimension, postgres and await _enable_pgvector(conn))
    rows: dict[str, str] = dict(
        (await conn.execute(text("SELECT key, value FROM swarm_meta"))).all()
    )
    stored = int(rows["embedding_dimension"])
    if stored != dimension:
        raise EmbeddingDimensionError(
            f"this store's schema was created for embeddings of dimension {stored}, but the "
            f"store is configured for {dimension}; set embedding_dimension={stored} "
            "(SWARM_EMBEDDING_DIMENSION) or use a new database or schema"
        )
    return SchemaInfo(stored, rows["vector_backend"] == "pgvector")


async def _enable_pgvector(conn: AsyncConnection) -> bool:
    available = await conn.scalar(
        text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
    )
    if not available:
        log.info("pgvector is not available: vector search uses the exact cosine fallback")
        return False
    try:
        async with conn.begin_nested():
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public"))
    except Exception as exc:  # e.g. not allowed to create extensions: fall back, say why
        log.warning("cannot enable pgvector (%s): using the exact cosine fallback", exc)
        return False
    return True

"""The SQL of the memory methods, as functions of one connection (one transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, and_, cast, func, literal_column, or_
from sqlalchemy import delete as sa_delete
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from swarm.errors import ConfigError
from swarm.memory.codec import SHARED_SCOPES, memory_row, row_memory
from swarm.memory.schema import PgVector, Tables
from swarm.memory.vectors import check_dimension, cosine_similarity, pack, round_float32, unpack
from swarm.types import Memory

__all__ = ["Prune", "Query", "Search", "create_many", "create_one", "prepare", "search"]

Prepared = tuple[dict[str, Any], list[float] | None]


@dataclass(frozen=True)
class Query:
    room_id: str
    table_name: str
    count: int | None
    before: int | None
    after: int | None
    agent_id: str | None
    include_agents: tuple[str, ...]


@dataclass(frozen=True)
class Search:
    embedding: list[float]
    table_name: str
    room_id: str | None
    agent_id: str | None
    include_agents: tuple[str, ...]
    count: int
    match_threshold: float | None


@dataclass(frozen=True)
class Prune:
    agent_id: str | None
    room_id: str | None
    table_name: str | None
    older_than_ms: int | None
    keep_latest: int | None


def prepare(memory: Memory, table_name: str, dimension: int) -> Prepared:
    """Check and convert before any I/O: a bad memory fails the call, not the batch midway."""
    if memory.embedding is not None:
        check_dimension(memory.embedding, dimension, f"memory {memory.id or '(new)'}")
    return memory_row(memory, table_name), memory.embedding


def _insert(dialect: str, table: Any) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _embedding_rows(
    tables: Tables, pairs: Sequence[tuple[str, list[float]]]
) -> list[dict[str, Any]]:
    pgvector = isinstance(tables.embeddings.c.embedding.type, PgVector)
    return [
        {"memory_id": mid, "dimension": len(e), "embedding": e if pgvector else pack(e)}
        for mid, e in pairs
    ]


async def create_one(
    conn: AsyncConnection,
    tables: Tables,
    dialect: str,
    row: dict[str, Any],
    emb: list[float] | None,
) -> Memory:
    m = tables.memories
    stmt = _insert(dialect, m).values(row).on_conflict_do_nothing().returning(m.c.id)
    if (await conn.execute(stmt)).first() is None:
        existing = await by_ids(conn, tables, [row["id"]])
        return existing[0]
    if emb is not None:
        await conn.execute(tables.embeddings.insert(), _embedding_rows(tables, [(row["id"], emb)]))
    return row_memory(row, None if emb is None else round_float32(emb))


async def create_many(
    conn: AsyncConnection, tables: Tables, dialect: str, prepared: Sequence[Prepared]
) -> int:
    """One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING id (SQLAlchemy's
    insertmanyvalues); embeddings of the new rows in a second statement, same transaction."""
    m = tables.memories
    stmt = _insert(dialect, m).on_conflict_do_nothing().returning(m.c.id)
    new_ids = set((await conn.execute(stmt, [row for row, _ in prepared])).scalars())
    pairs = [(row["id"], e) for row, e in prepared if e is not None and row["id"] in new_ids]
    if pairs:
        ins = _insert(dialect, tables.embeddings).on_conflict_do_nothing()
        await conn.execute(ins, _embedding_rows(tables, pairs))
    return len(new_ids)


def _scope(tables: Tables, agent_id: str | None, include: tuple[str, ...]) -> ColumnElement[bool]:
    m = tables.memories
    if agent_id is None:
        return and_(True)
    return or_(m.c.agent_id.in_((agent_id, *include)), m.c.scope.in_(SHARED_SCOPES))


async def by_ids(conn: AsyncConnection, tables: Tables, ids: Sequence[str]) -> list[Memory]:
    m = tables.memories
    if not ids:
        return []
    stmt = sa_select(m).where(m.c.id.in_(list(ids))).order_by(m.c.created_at.desc())
    rows = (await conn.execute(stmt)).mappings().all()
    embeddings = await _embeddings(conn, tables, [r["id"] for r in rows])
    return [row_memory(r, embeddings.get(r["id"])) for r in rows]


async def _embeddings(
    conn: AsyncConnection, tables: Tables, ids: Sequence[str]
) -> dict[str, list[float]]:
    if not ids:
        return {}
    e = tables.embeddings
    rows = await conn.execute(sa_select(e.c.memory_id, e.c.embedding).where(e.c.memory_id.in_(ids)))
    return {mid: (v if isinstance(v, list) else unpack(v)) for mid, v in rows}


def _where(tables: Tables, q: Query) -> list[ColumnElement[bool]]:
    m = tables.memories
    clauses = [m.c.room_id == q.room_id, m.c.type == q.table_name]
    clauses.append(_scope(tables, q.agent_id, q.include_agents))
    if q.before is not None:
        clauses.append(m.c.created_at < q.before)
    if q.after is not None:
        clauses.append(m.c.created_at > q.after)
    return clauses


async def select(conn: AsyncConnection, tables: Tables, q: Query) -> list[Memory]:
    m = tables.memories
    stmt = sa_select(m).where(*_where(tables, q)).order_by(m.c.created_at.desc(), m.c.id.desc())
    if q.count is not None:
        stmt = stmt.limit(q.count)
    return [row_memory(r) for r in (await conn.execute(stmt)).mappings()]


async def count(conn: AsyncConnection, tables: Tables, q: Query) -> int:
    stmt = sa_select(func.count()).select_from(tables.memories).where(*_where(tables, q))
    return int((await conn.execute(stmt)).scalar_one())


async def delete(conn: AsyncConnection, tables: Tables, memory_id: str) -> bool:
    m = tables.memories
    result = await conn.execute(m.delete().where(m.c.id == memory_id))
    return bool(result.rowcount)


def check_search(s: Search, dimension: int) -> None:
    check_dimension(s.embedding, dimension, "search_memories")
    if s.count < 1:
        raise ConfigError(f"search_memories count must be at least 1, got {s.count}")


async def search(
    conn: AsyncConnection, tables: Tables, s: Search, *, pgvector: bool
) -> list[Memory]:
    m, e = tables.memories, tables.embeddings
    where = [m.c.type == s.table_name, _scope(tables, s.agent_id, s.include_agents)]
    if s.room_id is not None:
        where.append(m.c.room_id == s.room_id)
    if pgvector:
        query = cast(s.embedding, e.c.embedding.type)
        distance = e.c.embedding.op("<=>")(query)
        stmt = (
            sa_select(m, e.c.embedding, (literal_column("1.0") - distance).label("similarity"))
            .join(e, e.c.memory_id == m.c.id)
            .where(*where)
            .order_by(distance, m.c.id)
        )
        if s.match_threshold is not None:
            stmt = stmt.where(distance <= 1.0 - s.match_threshold)
        rows = (await conn.execute(stmt.limit(s.count))).mappings().all()
        return [row_memory(r, r["embedding"]) for r in rows]
    # Exact fallback: every candidate's cosine in double precision, like pgvector's <=>.
    stmt = sa_select(m, e.c.embedding).join(e, e.c.memory_id == m.c.id).where(*where)
    scored: list[tuple[float, str, Any, list[float]]] = []
    for r in (await conn.execute(stmt)).mappings():
        vector = unpack(r["embedding"])
        sim = cosine_similarity(s.embedding, vector)
        if s.match_threshold is None or sim >= s.match_threshold:
            scored.append((-sim, r["id"], r, vector))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [
        msgspec.structs.replace(row_memory(r, v), similarity=-neg)
        for neg, _, r, v in scored[: s.count]
    ]


async def prune(conn: AsyncConnection, tables: Tables, p: Prune) -> int:
    m = tables.memories
    scope: list[ColumnElement[bool]] = []
    if p.agent_id is not None:
        scope.append(m.c.agent_id == p.agent_id)
    if p.room_id is not None:
        scope.append(m.c.room_id == p.room_id)
    if p.table_name is not None:
        scope.append(m.c.type == p.table_name)
    deleted = 0
    if p.older_than_ms is not None:
        result = await conn.execute(sa_delete(m).where(*scope, m.c.created_at < p.older_than_ms))
        deleted += result.rowcount
    if p.keep_latest is not None:
        newest = (
            sa_select(m.c.id)
            .where(*scope)
            .order_by(m.c.created_at.desc(), m.c.id.desc())
            .limit(p.keep_latest)
        )
        result = await conn.execute(sa_delete(m).where(*scope, m.c.id.not_in(newest)))
        deleted += result.rowcount
    return deleted

"""The memory hot path on PostgreSQL: one prepared statement, one round trip per call.

The worker's per-batch calls (``create_memories``, ``create_memory``, ``get_memories_by_ids``,
``get_memories``) run here on the psycopg connection checked out of the SQLAlchemy pool, in
autocommit: every call is a single statement, so it is its own durable transaction and
needs no ``BEGIN``/``COMMIT`` round trips. Why not SQLAlchemy Core: per call it spent more
time compiling, binding and hopping greenlets than PostgreSQL spent committing.

* A batch is one ``INSERT ... SELECT FROM json_to_recordset(rows) ON CONFLICT DO NOTHING``:
  the SQL text is the same for every batch size, so psycopg prepares it once per connection,
  and the rows travel as one JSON parameter that msgspec encodes in one call (binding 11
  typed arrays instead cost psycopg more CPU than the statement took on the server).
* Embeddings of the new rows go in the same statement (a data-modifying CTE joined on the
  ids the insert returned), so the pair is still atomic.
* Reads are one ``SELECT`` (embeddings by ``LEFT JOIN``); JSON columns come back as text
  and msgspec decodes them straight into ``Content``/``MemoryMetadata``.

Behaviour is that of :mod:`swarm.memory.memories` (the SQLAlchemy path SQLite uses).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from psycopg import AsyncConnection

from swarm.memory.codec import SHARED_SCOPES
from swarm.memory.memories import Prepared, Query
from swarm.memory.vectors import pack, unpack
from swarm.types import Content, Memory, MemoryMetadata

__all__ = ["by_ids", "insert_many", "insert_one", "select"]

Conn = AsyncConnection[Any]

_COLUMNS = (
    "id",
    "type",
    "entity_id",
    "agent_id",
    "room_id",
    "world_id",
    "scope",
    "unique",
    "content",
    "metadata",
    "created_at",
)
_INSERT_COLUMNS = ", ".join(f'"{c}"' for c in _COLUMNS)
_COLUMN_TYPES = ("text",) * 7 + ("bool", "jsonb", "jsonb", "int8")
_RECORD = ", ".join(f'"{c}" {t}' for c, t in zip(_COLUMNS, _COLUMN_TYPES, strict=True))
_INSERT_ROWS = (
    f"INSERT INTO memories ({_INSERT_COLUMNS}) SELECT {_INSERT_COLUMNS} "
    f"FROM json_to_recordset(%s::json) AS r({_RECORD}) ON CONFLICT DO NOTHING"
)
_INSERT_ROW = (
    f"INSERT INTO memories ({_INSERT_COLUMNS}) VALUES ({', '.join(['%s'] * 8)}, "
    "%s::jsonb, %s::jsonb, %s::int8) ON CONFLICT DO NOTHING"
)
_READ_COLUMNS = (
    'm.id, m.entity_id, m.agent_id, m.room_id, m.world_id, m."unique", '
    "m.content::text, m.metadata::text, m.created_at"
)
_encode = msgspec.json.Encoder().encode
_content = msgspec.json.Decoder(Content).decode
_metadata = msgspec.json.Decoder(MemoryMetadata).decode
_vector = msgspec.json.Decoder(list[float]).decode


def _vector_sql(pgvector: bool, *, array: bool = False) -> str:
    if pgvector:
        return "text[]::vector[]" if array else "text::vector"
    return "bytea[]" if array else "bytea"


def _insert_with_embeddings(pgvector: bool) -> str:
    return (
        f"WITH new AS ({_INSERT_ROWS} RETURNING id), "
        "e AS (INSERT INTO embeddings (memory_id, dimension, embedding) "
        "SELECT v.id, v.dimension, v.embedding FROM unnest("
        f"%b::text[], %b::int4[], %b::{_vector_sql(pgvector, array=True)}) WITH ORDINALITY "
        "AS v(id, dimension, embedding, n) JOIN new ON new.id = v.id ORDER BY v.n "
        "ON CONFLICT DO NOTHING) "
        "SELECT count(*) FROM new"
    )


def _insert_one_with_embedding(pgvector: bool) -> str:
    return (
        f"WITH new AS ({_INSERT_ROW} RETURNING id), "
        "e AS (INSERT INTO embeddings (memory_id, dimension, embedding) "
        f"SELECT id, %s::int4, %s::{_vector_sql(pgvector)} FROM new) "
        "SELECT id FROM new"
    )


def _stored(embedding: list[float], pgvector: bool) -> str | bytes:
    """The embedding as its column stores it: pgvector's text form or float32 bytes."""
    return _encode(embedding).decode() if pgvector else pack(embedding)


def _values(row: dict[str, Any]) -> list[Any]:
    return [
        row["id"],
        row["type"],
        row["entity_id"],
        row["agent_id"],
        row["room_id"],
        row["world_id"],
        row["scope"],
        row["unique"],
        _encode(row["content"]).decode(),
        _encode(row["metadata"]).decode(),
        row["created_at"],
    ]


async def insert_one(
    conn: Conn, row: dict[str, Any], emb: list[float] | None, *, pgvector: bool
) -> bool:
    """Insert one memory (and its embedding, atomically); False when its id exists."""
    params = _values(row)
    if emb is None:
        cur = await conn.execute(_INSERT_ROW, params)
        return cur.rowcount == 1
    params += [len(emb), _stored(emb, pgvector)]
    cur = await conn.execute(_insert_one_with_embedding(pgvector), params)
    return await cur.fetchone() is not None


async def insert_many(conn: Conn, prepared: Sequence[Prepared], *, pgvector: bool) -> int:
    """Insert a batch in one statement; return how many rows were new.

    As in :func:`swarm.memory.memories.create_many`: rows whose id exists (or repeats an
    earlier row of the batch) are skipped, and an embedding is stored for a new row only,
    the first one the batch gives for that id.
    """
    rows = _encode([row for row, _ in prepared]).decode()  # keys are the column names
    embedded: dict[str, list[float]] = {}
    for row, emb in prepared:
        if emb is not None:
            embedded.setdefault(row["id"], emb)
    if not embedded:
        cur = await conn.execute(_INSERT_ROWS, [rows])
        return max(cur.rowcount, 0)
    ids = list(embedded)
    dims = [len(e) for e in embedded.values()]
    stored = [_stored(e, pgvector) for e in embedded.values()]
    cur = await conn.execute(_insert_with_embeddings(pgvector), [rows, ids, dims, stored])
    found = await cur.fetchone()
    return int(found[0]) if found else 0


def _memory(r: tuple[Any, ...], embedding: Any = None, *, pgvector: bool = False) -> Memory:
    vector: list[float] | None = None
    if embedding is not None:
        vector = _vector(embedding) if pgvector else unpack(embedding)
    return Memory(
        id=r[0],
        entity_id=r[1],
        agent_id=r[2],
        room_id=r[3],
        world_id=r[4],
        unique=r[5],
        content=_content(r[6]),
        metadata=_metadata(r[7]),
        created_at=r[8],
        embedding=vector,
    )


async def by_ids(conn: Conn, ids: Sequence[str], *, pgvector: bool) -> list[Memory]:
    """The memories with these ids and their embeddings, newest first."""
    if not ids:
        return []
    embedding = "e.embedding::text" if pgvector else "e.embedding"
    cur = await conn.execute(
        f"SELECT {_READ_COLUMNS}, {embedding} FROM memories m "
        "LEFT JOIN embeddings e ON e.memory_id = m.id "
        "WHERE m.id = ANY(%s::text[]) ORDER BY m.created_at DESC",
        [list(ids)],
    )
    return [_memory(r, r[9], pgvector=pgvector) for r in await cur.fetchall()]


async def select(conn: Conn, q: Query) -> list[Memory]:
    """A room's memories newest first, scoped as :func:`swarm.memory.memories.select`."""
    where = ["m.room_id = %s", "m.type = %s"]
    params: list[Any] = [q.room_id, q.table_name]
    if q.agent_id is not None:
        where.append("(m.agent_id = ANY(%s::text[]) OR m.scope = ANY(%s::text[]))")
        params += [[q.agent_id, *q.include_agents], list(SHARED_SCOPES)]
    if q.before is not None:
        where.append("m.created_at < %s")
        params.append(q.before)
    if q.after is not None:
        where.append("m.created_at > %s")
        params.append(q.after)
    sql = (
        f"SELECT {_READ_COLUMNS} FROM memories m WHERE {' AND '.join(where)} "
        "ORDER BY m.created_at DESC, m.id DESC"
    )
    if q.count is not None:
        sql += " LIMIT %s"
        params.append(q.count)
    cur = await conn.execute(sql, params)
    return [_memory(r) for r in await cur.fetchall()]

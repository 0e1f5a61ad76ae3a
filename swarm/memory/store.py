"""The memory store: one class over SQLAlchemy async, for PostgreSQL and SQLite.

Every public method runs one transaction through :meth:`MemoryStore._run`, which retries
transient failures and turns driver errors into :class:`~swarm.errors.StoreError` with
messages that never carry the password.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

import anyio
import psycopg
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from swarm.errors import ConfigError, StoreConnectionError, StoreError
from swarm.memory import memories as mem
from swarm.memory import pg_hotpath as hot
from swarm.memory.codec import row_memory
from swarm.memory.directory import DirectoryMixin
from swarm.memory.engine import build_engine, connect_driver, parse_store_url
from swarm.memory.held import HeldConnection
from swarm.memory.migrations import SchemaInfo, upgrade
from swarm.memory.retry import (
    RetryPolicy,
    is_permanent_connect_error,
    is_transient,
    redact_url,
    run_with_retry,
)
from swarm.memory.schema import Tables
from swarm.memory.vectors import round_float32
from swarm.memory.work import WorkMixin
from swarm.security.secrets import SecretBox
from swarm.types import Memory

__all__ = ["MemoryStore"]

T = TypeVar("T")
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class MemoryStore(DirectoryMixin, WorkMixin):
    """All agents' memories, entities, rooms, tasks, cache and logs in one database.

    Build it with :func:`~swarm.memory.create_store`; nothing connects until :meth:`init`.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        embedding_dimension: int = 384,
        schema: str | None = None,
        retry: RetryPolicy | None = None,
        secrets_key: SecretStr | str | None = None,
    ) -> None:
        if pool_size < 1:
            raise ConfigError(f"pool_size must be at least 1, got {pool_size}")
        if embedding_dimension < 1:
            raise ConfigError(f"embedding_dimension must be at least 1, got {embedding_dimension}")
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise ConfigError(f"schema {schema!r} must be a plain identifier (letters, digits, _)")
        self._url = parse_store_url(url)
        self._redacted = redact_url(url)
        self._password = self._url.password
        self.pool_size = pool_size
        self.embedding_dimension = embedding_dimension
        self.schema = schema if self._url.get_backend_name() == "postgresql" else None
        self.retry = retry or RetryPolicy()
        self._engine: AsyncEngine | None = None
        self._held = HeldConnection(self._connect_held)
        self._info: SchemaInfo | None = None
        self._tables: Tables | None = None
        self._init_lock = anyio.Lock()
        self._closed = False
        self._secret_box = None if secrets_key is None else SecretBox(secrets_key)

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """``"postgresql"`` or ``"sqlite"``."""
        return self._url.get_backend_name()

    @property
    def vector_backend(self) -> str:
        """``"pgvector"`` (indexed search) or ``"exact"`` (cosine computed over candidates)."""
        return "pgvector" if self._schema_info.pgvector else "exact"

    async def init(self) -> None:
        """Connect and apply pending migrations under a lock; safe to call again."""
        async with self._init_lock:
            if self._closed:
                raise StoreError("this store was closed; create a new one with create_store()")
            if self._info is not None:
                return
            if self._engine is None:
                self._engine = build_engine(self._url, pool_size=self.pool_size, schema=self.schema)
            engine = self._engine
            info = await self._guard(
                lambda: upgrade(engine, dimension=self.embedding_dimension, schema=self.schema),
                "migration",
            )
            self._info, self._tables = info, info.tables()

    async def ping(self) -> None:
        """Round-trip to the database; :class:`StoreConnectionError` when unreachable."""

        async def _ping(conn: AsyncConnection) -> None:
            await conn.execute(text("SELECT 1"))

        if self._engine is None:
            self._engine = build_engine(self._url, pool_size=self.pool_size, schema=self.schema)
        await self._guard(lambda: self._once(_ping), "ping")

    async def close(self) -> None:
        """Release every connection; the store cannot be used afterwards."""
        self._closed = True
        await self._held.close()
        if self._engine is not None:
            with anyio.CancelScope(shield=True):
                await self._engine.dispose()
            self._engine = None

    # -- the transaction seam --------------------------------------------------------------

    @property
    def _schema_info(self) -> SchemaInfo:
        if self._info is None:
            raise StoreError("the store is not initialised; await store.init() first")
        return self._info

    @property
    def tables(self) -> Tables:
        """The SQLAlchemy tables (for tools and benchmarks); needs :meth:`init`."""
        if self._tables is None:
            raise StoreError("the store is not initialised; await store.init() first")
        return self._tables

    async def _once(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        if self._engine is None:
            raise StoreError("the store is closed or not initialised; await store.init() first")
        async with self._engine.begin() as conn:
            return await fn(conn)

    async def _run(self, fn: Callable[[AsyncConnection], Awaitable[T]], what: str) -> T:
        """Run ``fn`` in one transaction, retrying transient failures."""
        self._schema_info  # noqa: B018 - raises a clear error before init()
        return await self._guard(lambda: self._once(fn), what)

    async def _hot(self, fn: Callable[[hot.Conn], Awaitable[T]], what: str) -> T:
        """Run ``fn`` on a psycopg connection in autocommit (PostgreSQL's hot path: each call
        is one statement, hence its own transaction), retrying like :meth:`_run`."""
        self._schema_info  # noqa: B018 - raises a clear error before init()
        return await self._guard(lambda: self._on_driver(fn), what)

    async def _connect_held(self) -> hot.Conn:
        if self._engine is None:
            raise StoreError("the store is closed or not initialised; await store.init() first")
        return await connect_driver(self._engine, self.schema)

    async def _on_driver(self, fn: Callable[[hot.Conn], Awaitable[T]]) -> T:
        """``fn`` on the held connection when it is free (no pool checkout), else on a pooled
        one; driver errors look as they do through SQLAlchemy (same retries and messages)."""
        if self._engine is None:
            raise StoreError("the store is closed or not initialised; await store.init() first")
        if not self._held.busy:
            try:
                return await self._held.run(fn)
            except psycopg.Error as exc:
                raise DBAPIError.instance(
                    None,
                    None,
                    exc,
                    psycopg.Error,
                    connection_invalidated=not self._held.connected,
                    dialect=self._engine.dialect,
                ) from exc
        async with self._engine.connect() as conn:
            driver = cast("hot.Conn", (await conn.get_raw_connection()).driver_connection)
            try:
                await driver.set_autocommit(True)
                result = await fn(driver)
            except psycopg.Error as exc:
                # Errors look as they do through SQLAlchemy: retry and messages stay the same.
                lost = driver.broken or driver.closed
                if lost:
                    await conn.invalidate()
                else:
                    await driver.set_autocommit(False)
                raise DBAPIError.instance(
                    None,
                    None,
                    exc,
                    psycopg.Error,
                    connection_invalidated=lost,
                    dialect=self._engine.dialect,
                ) from exc
            except BaseException:
                # Cancelled mid-statement: the connection's state is unknown, never reuse it.
                with anyio.CancelScope(shield=True):
                    await conn.invalidate()
                raise
            await driver.set_autocommit(False)
            return result

    async def _guard(self, fn: Callable[[], Awaitable[T]], what: str) -> T:
        try:
            return await run_with_retry(fn, self.retry, what)
        except DBAPIError as exc:
            raise self._translate(exc, what) from None
        except OSError as exc:
            raise StoreConnectionError(
                f"cannot reach the memory store at {self._redacted}: {self._scrub(str(exc))}"
            ) from None

    def _scrub(self, message: str) -> str:
        if self._password:
            message = message.replace(str(self._password), "***")
        return message

    def _translate(self, exc: DBAPIError, what: str) -> StoreError:
        reason = self._scrub(str(exc.orig).strip())
        if is_permanent_connect_error(exc) or (
            is_transient(exc) and getattr(exc.orig, "sqlstate", None) in (None, "")
        ):
            return StoreConnectionError(
                f"cannot reach the memory store at {self._redacted} ({what}): {reason}; "
                "check the URL, credentials and that the server is running"
            )
        return StoreError(f"store {what} failed: {reason}")

    # -- memories ----------------------------------------------------------------------------

    async def create_memory(self, memory: Memory, table_name: str = "messages") -> Memory:
        """Store ``memory``; an existing id is a no-op that returns the stored row."""
        row, emb = mem.prepare(memory, table_name, self.embedding_dimension)
        if self.dialect == "postgresql":
            pgvector = self._schema_info.pgvector

            async def _create(c: hot.Conn) -> Memory:
                if await hot.insert_one(c, row, emb, pgvector=pgvector):
                    return row_memory(row, None if emb is None else round_float32(emb))
                return (await hot.by_ids(c, [row["id"]], pgvector=pgvector))[0]

            return await self._hot(_create, "create_memory")
        return await self._run(
            lambda c: mem.create_one(c, self.tables, self.dialect, row, emb), "create_memory"
        )

    async def create_memories(
        self, memories: Sequence[Memory], table_name: str = "messages"
    ) -> int:
        """Store many memories in one transaction; return how many were new."""
        if not memories:
            return 0
        prepared = [mem.prepare(m, table_name, self.embedding_dimension) for m in memories]
        if self.dialect == "postgresql":
            pgvector = self._schema_info.pgvector
            return await self._hot(
                lambda c: hot.insert_many(c, prepared, pgvector=pgvector), "create_memories"
            )
        return await self._run(
            lambda c: mem.create_many(c, self.tables, self.dialect, prepared), "create_memories"
        )

    async def get_memory(self, memory_id: str) -> Memory | None:
        """The memory with this id, or None."""
        found = await self.get_memories_by_ids([memory_id])
        return found[0] if found else None

    async def get_memories_by_ids(self, memory_ids: Sequence[str]) -> list[Memory]:
        """The memories with these ids (missing ones are left out), newest first."""
        if self.dialect == "postgresql":
            pgvector = self._schema_info.pgvector
            return await self._hot(
                lambda c: hot.by_ids(c, memory_ids, pgvector=pgvector), "get_memories"
            )
        return await self._run(lambda c: mem.by_ids(c, self.tables, memory_ids), "get_memories")

    async def get_memories(
        self,
        *,
        room_id: str,
        table_name: str = "messages",
        count: int | None = None,
        before: int | None = None,
        after: int | None = None,
        agent_id: str | None = None,
        include_agents: Sequence[str] = (),
    ) -> list[Memory]:
        """A room's memories, newest first.

        With ``agent_id``: that agent's memories, those of ``include_agents`` (explicit
        permission, e.g. a parent's), and those whose ``metadata.scope`` is shared/room;
        never another agent's private ones. Without it: every memory of the room.
        """
        query = mem.Query(
            room_id, table_name, count, before, after, agent_id, tuple(include_agents)
        )
        if self.dialect == "postgresql":
            return await self._hot(lambda c: hot.select(c, query), "get_memories")
        return await self._run(lambda c: mem.select(c, self.tables, query), "get_memories")

    async def count_memories(
        self, *, room_id: str, table_name: str = "messages", agent_id: str | None = None
    ) -> int:
        """How many memories :meth:`get_memories` would return without a count."""
        query = mem.Query(room_id, table_name, None, None, None, agent_id, ())
        return await self._run(lambda c: mem.count(c, self.tables, query), "count_memories")

    async def delete_memory(self, memory_id: str) -> bool:
        """Delete one memory (and its embedding); True when it existed."""
        return await self._run(lambda c: mem.delete(c, self.tables, memory_id), "delete_memory")

    async def search_memories(
        self,
        embedding: Sequence[float],
        *,
        table_name: str = "messages",
        room_id: str | None = None,
        agent_id: str | None = None,
        include_agents: Sequence[str] = (),
        count: int = 10,
        match_threshold: float | None = None,
    ) -> list[Memory]:
        """The ``count`` memories most similar to ``embedding`` (cosine), best first.

        Each result's ``similarity`` is 1 - cosine distance. Scoping as in
        :meth:`get_memories`.
        """
        search = mem.Search(
            list(embedding),
            table_name,
            room_id,
            agent_id,
            tuple(include_agents),
            count,
            match_threshold,
        )
        mem.check_search(search, self.embedding_dimension)
        pgvector = self._schema_info.pgvector
        return await self._run(
            lambda c: mem.search(c, self.tables, search, pgvector=pgvector), "search_memories"
        )

    async def prune_memories(
        self,
        *,
        agent_id: str | None = None,
        room_id: str | None = None,
        table_name: str | None = None,
        older_than_ms: int | None = None,
        keep_latest: int | None = None,
    ) -> int:
        """Retention: delete an agent's or room's memories older than a timestamp
        (``older_than_ms``, ms since the epoch) and/or beyond the newest ``keep_latest``.
        Returns how many were deleted."""
        if agent_id is None and room_id is None:
            raise ConfigError("prune_memories needs agent_id or room_id (or both)")
        if older_than_ms is None and keep_latest is None:
            raise ConfigError("prune_memories needs older_than_ms or keep_latest")
        if keep_latest is not None and keep_latest < 0:
            raise ConfigError(f"keep_latest must be >= 0, got {keep_latest}")
        prune = mem.Prune(agent_id, room_id, table_name, older_than_ms, keep_latest)
        return await self._run(lambda c: mem.prune(c, self.tables, prune), "prune_memories")

    async def _execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        """Run raw SQL in a transaction (tests and tools)."""
        await self._run(lambda c: c.execute(text(sql), params or {}), "execute")

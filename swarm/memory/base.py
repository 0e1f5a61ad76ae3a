"""What the store's method groups need from the store: one transaction seam and the tables."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from swarm.memory.schema import Tables

__all__ = ["StoreBase"]

T = TypeVar("T")


class StoreBase(ABC):
    """The seam every store method goes through (implemented by ``MemoryStore``)."""

    @property
    @abstractmethod
    def dialect(self) -> str: ...

    @property
    @abstractmethod
    def tables(self) -> Tables: ...

    @abstractmethod
    async def _run(self, fn: Callable[[AsyncConnection], Awaitable[T]], what: str) -> T: ...

    def _insert(self, table: Table) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    async def _insert_new(self, table: Table, rows: Sequence[dict[str, Any]], what: str) -> int:
        """Insert ``rows``, skipping those whose key exists; return how many were new."""
        if not rows:
            return 0
        pk = next(iter(table.primary_key.columns))
        stmt = self._insert(table).on_conflict_do_nothing().returning(pk)

        async def _go(conn: AsyncConnection) -> int:
            return len((await conn.execute(stmt, list(rows))).all())

        return await self._run(_go, what)

    async def _fetch(self, stmt: Any, what: str) -> list[dict[str, Any]]:
        async def _go(conn: AsyncConnection) -> list[dict[str, Any]]:
            rows = (await conn.execute(stmt)).mappings()
            # str(): SQLAlchemy may key rows by a str subclass, which msgspec.convert refuses
            return [{str(k): v for k, v in r.items()} for r in rows]

        return await self._run(_go, what)

    async def _change(self, stmt: Any, what: str) -> int:
        async def _go(conn: AsyncConnection) -> int:
            return int((await conn.execute(stmt)).rowcount)

        return await self._run(_go, what)

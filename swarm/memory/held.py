"""One psycopg connection held open for the store's hot path on PostgreSQL.

Checking a connection out of SQLAlchemy's pool and back in costs more CPU than a hot-path
statement (~100 µs per call here). The worker's hot-path calls come one at a time (a look-up
and an insert per batch), so one connection kept in autocommit serves them. It serves one
call at a time: a caller that finds it ``busy`` goes through the pool instead. A connection
that broke, or whose statement was cut short (cancelled), is closed and replaced by a new
one on the next call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TypeVar

import anyio
import psycopg
from psycopg import pq

__all__ = ["HeldConnection"]

T = TypeVar("T")
Conn = psycopg.AsyncConnection[Any]


class HeldConnection:
    """A lazily opened connection (from ``connect``) that :meth:`run` uses, one call at a time."""

    def __init__(self, connect: Callable[[], Awaitable[Conn]]) -> None:
        self._connect = connect
        self._conn: Conn | None = None
        self.busy = False
        """True while a call runs on it; check it before :meth:`run`."""

    @property
    def connected(self) -> bool:
        """Whether a usable connection is held (False after a failure discarded it)."""
        return self._conn is not None and not self._conn.closed

    async def run(self, fn: Callable[[Conn], Awaitable[T]]) -> T:
        """``fn`` on the held connection (opened first if needed); psycopg errors propagate,
        and a connection they left broken, or in a transaction, is discarded."""
        if self.busy:
            raise RuntimeError("the held connection is busy; use the pool for this call")
        self.busy = True
        try:
            conn = self._conn
            if conn is None or conn.closed:
                self._conn = None
                conn = self._conn = await self._connect()
            try:
                return await fn(conn)
            except psycopg.Error:
                if conn.broken or conn.pgconn.transaction_status != pq.TransactionStatus.IDLE:
                    await self._discard()
                raise
            except BaseException:
                # Cut short mid-statement: its state is unknown, never reuse it.
                with anyio.CancelScope(shield=True):
                    await self._discard()
                raise
        finally:
            self.busy = False

    async def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(psycopg.Error):  # already gone
                await conn.close()

    async def close(self) -> None:
        """Close the held connection, if any (a later :meth:`run` opens a new one)."""
        with anyio.CancelScope(shield=True):
            await self._discard()

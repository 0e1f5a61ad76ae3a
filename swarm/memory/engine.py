"""Build the SQLAlchemy async engine for a store URL, with each backend's settings.

PostgreSQL: psycopg 3, a pool of ``pool_size`` connections, an optional schema put first
on ``search_path`` (set in the startup packet: no extra round trip). SQLite: aiosqlite,
WAL, a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` so that writers queue on the
busy timeout instead of failing when a reader upgrades.
"""

from __future__ import annotations

from typing import Any

import msgspec
import psycopg
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from swarm.errors import ConfigError
from swarm.memory.retry import redact_url

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "build_engine", "connect_driver", "parse_store_url"]

# How long a SQLite writer waits for another process's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000

_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


def _json_dumps(value: object) -> str:
    return msgspec.json.encode(value).decode()


def parse_store_url(url: str) -> URL:
    """Parse and normalise ``url``; :class:`ConfigError` names what is accepted."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"cannot parse the store URL {redact_url(url)!r}; use "
            "postgresql+psycopg://user:password@host:5432/db or sqlite+aiosqlite:///path.db"
        ) from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ConfigError(
            f"unsupported store URL scheme {parsed.drivername!r} in {redact_url(url)!r}; "
            "use postgresql+psycopg://... or sqlite+aiosqlite:///..."
        )
    return parsed.set(drivername=driver)


def _pg_connect_args(schema: str | None) -> dict[str, Any]:
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if schema:
        connect_args["options"] = f"-c search_path={schema},public"
    return connect_args


async def connect_driver(engine: AsyncEngine, schema: str | None) -> psycopg.AsyncConnection[Any]:
    """A psycopg connection set up as the PostgreSQL pool's are, outside the pool, in
    autocommit (the store's hot path holds one)."""
    args, params = engine.dialect.create_connect_args(engine.url)
    params.update(_pg_connect_args(schema))
    return await psycopg.AsyncConnection.connect(*args, autocommit=True, **params)


def build_engine(url: URL, *, pool_size: int, schema: str | None) -> AsyncEngine:
    """An engine for ``url`` (from :func:`parse_store_url`); connects lazily."""
    common: dict[str, Any] = {
        "json_serializer": _json_dumps,
        "json_deserializer": msgspec.json.decode,
    }
    if url.get_backend_name() == "postgresql":
        return create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=0,
            pool_timeout=30,
            connect_args=_pg_connect_args(schema),
            **common,
        )
    memory = url.database in (None, "", ":memory:")
    engine = create_async_engine(
        url,
        poolclass=StaticPool if memory else None,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **common,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine

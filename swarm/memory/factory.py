"""``create_store(url)``: the one way to build a store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from swarm.errors import ConfigError
from swarm.memory.retry import RetryPolicy
from swarm.memory.store import MemoryStore

if TYPE_CHECKING:
    from swarm.settings import Settings

__all__ = ["create_store", "store_from_settings"]


def create_store(
    url: str,
    *,
    pool_size: int = 10,
    embedding_dimension: int = 384,
    schema: str | None = None,
    retry: RetryPolicy | None = None,
    secrets_key: SecretStr | str | None = None,
) -> MemoryStore:
    """A store for ``url`` (``postgresql+psycopg://...`` or ``sqlite+aiosqlite:///...``).

    No I/O happens until ``await store.init()``. ``schema`` (PostgreSQL only) puts every
    table in that schema, created on init. A malformed URL raises ``ConfigError`` now.
    ``secrets_key`` (``SWARM_SECRETS_KEY``) encrypts agents' character secrets; without
    it they are not stored.
    """
    return MemoryStore(
        url,
        pool_size=pool_size,
        embedding_dimension=embedding_dimension,
        schema=schema,
        retry=retry,
        secrets_key=secrets_key,
    )


def store_from_settings(
    settings: Settings, url: str | None = None, *, pool_size: int | None = None
) -> MemoryStore:
    """The store the ``SWARM_*`` settings describe, as every swarm process opens it.

    ``url`` (e.g. an embedded server's) replaces ``SWARM_DATABASE_URL``; either way the
    ``SWARM_DATABASE_PASSWORD`` / ``_SSLMODE`` / ``_SSLROOTCERT`` settings are folded in, and
    the pool size, embedding dimension and secrets key come from the settings.
    """
    from swarm.security import database_url

    configured = database_url(
        settings.model_copy(update={"database_url": url}) if url else settings
    )
    if configured is None:
        raise ConfigError(
            "SWARM_DATABASE_URL is not set; point it at PostgreSQL "
            "(postgresql+psycopg://user@host:5432/db) or SQLite (sqlite+aiosqlite:///swarm.db)"
        )
    return create_store(
        configured,
        pool_size=pool_size or settings.db_pool_size,
        embedding_dimension=settings.embedding_dimension,
        secrets_key=settings.secrets_key,
    )

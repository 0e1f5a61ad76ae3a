"""``create_store(url)``: the one way to build a store."""

from __future__ import annotations

from pydantic import SecretStr

from swarm.memory.retry import RetryPolicy
from swarm.memory.store import MemoryStore

__all__ = ["create_store"]


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

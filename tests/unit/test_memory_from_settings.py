"""store_from_settings: every process opens the store the SWARM_* settings describe."""

from __future__ import annotations

import pytest

from swarm.errors import ConfigError
from swarm.memory import store_from_settings
from swarm.settings import Settings


def test_settings_give_url_pool_dimension_and_secrets_key() -> None:
    """The store takes its URL, pool size, embedding dimension and secrets key from settings."""
    settings = Settings(
        database_url="postgresql+psycopg://swarm@db:5432/swarm",
        db_pool_size=3,
        embedding_dimension=16,
        database_password="s3cret-pw",
        secrets_key="a" * 43 + "=",
    )
    store = store_from_settings(settings)
    assert (store.dialect, store.pool_size, store.embedding_dimension) == ("postgresql", 3, 16)
    assert store._url.password == "s3cret-pw"
    assert store._secret_box is not None


def test_an_explicit_url_replaces_the_setting() -> None:
    """A URL handed in (an embedded server's) wins over SWARM_DATABASE_URL."""
    store = store_from_settings(Settings(database_url=None), "sqlite+aiosqlite:///:memory:")
    assert store.dialect == "sqlite"


def test_no_url_at_all_says_what_to_set() -> None:
    """Without SWARM_DATABASE_URL or a URL the error names the setting."""
    with pytest.raises(ConfigError, match="SWARM_DATABASE_URL is not set"):
        store_from_settings(Settings(database_url=None))

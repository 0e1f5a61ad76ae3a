"""Fixtures shared by every test: the anyio backend and the real services' URLs."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the integration tests use (``SWARM_TEST_REDIS_URL`` overrides)."""
    return os.environ.get("SWARM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The real PostgreSQL the integration tests use (``SWARM_TEST_DATABASE_URL`` overrides)."""
    return os.environ.get(
        "SWARM_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )

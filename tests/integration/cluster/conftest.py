"""Fixtures for the Redis Cluster suite: one private 3-master cluster per test session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from swarm.bus import Redis, connect
from tests.support.redis_cluster import LocalCluster, redis_cluster

__all__ = ["cluster_redis", "redis_cluster"]


@pytest.fixture
async def cluster_redis(redis_cluster: LocalCluster) -> AsyncIterator[Redis]:
    """A swarm client of the test cluster, from its ``redis+cluster://`` URL."""
    client = connect(redis_cluster.url)
    yield client
    await client.aclose()

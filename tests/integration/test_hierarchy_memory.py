"""Child agents on the real store: parent-memory permission, inheritance, stored hierarchy."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from swarm.bus import connect, list_agents
from swarm.characters import Character
from swarm.hierarchy import Permissions, parent_of, permissions_of
from swarm.memory import MemoryStore, create_store
from swarm.runtime import Plugin
from swarm.types import Memory
from tests.support.memory import drop_schema, make_memory, unique_schema
from tests.support.redis_server import RedisServer
from workers.children import AgentHost

pytestmark = pytest.mark.integration

SHARED = Plugin(name="shared-tools", inheritable=True)
PRIVATE = Plugin(name="private-tools")


@pytest.fixture
async def host(tmp_path: Path, postgres_url: str) -> AsyncIterator[AgentHost]:
    schema = unique_schema("swarm_family")
    server = RedisServer(tmp_path / "redis").start()
    store: MemoryStore = create_store(postgres_url, schema=schema)
    await store.init()
    redis = connect(server.url)
    try:
        async with AsyncExitStack() as stack:
            yield AgentHost(redis, store, stack)
    finally:
        await redis.aclose()
        await store.close()
        server.stop()
        drop_schema(postgres_url, schema)


def character(name: str, **settings: object) -> Character:
    return Character(name=name, bio=[f"{name} helps."], settings=dict(settings))


async def parent_with_secret(host: AgentHost) -> tuple[str, str]:
    """Host Boss with a private memory in a room; return (boss id, room id)."""
    record = await host.host(character("Boss"))
    room = str(uuid.uuid4())
    memory: Memory = make_memory(room_id=room, agent_id=record.id, text="the parent's plan")
    await host.store.create_memory(memory)
    return record.id, room


async def child_sees(host: AgentHost, child_id: str, room: str) -> list[str]:
    runtime = host.runtimes[child_id]
    found = await host.store.get_memories(
        room_id=room, agent_id=child_id, include_agents=runtime.readable_agents
    )
    return [m.content.text for m in found]


@pytest.mark.anyio
async def test_a_child_with_parent_memory_access_reads_the_parents_private_memories(
    host: AgentHost,
) -> None:
    """can_access_parent_memory true (the default): the store query returns the parent's."""
    boss, room = await parent_with_secret(host)
    child = await host.create_child(host.runtimes[boss], character("Kid"))
    assert await child_sees(host, child.id, room) == ["the parent's plan"]


@pytest.mark.anyio
async def test_a_child_without_parent_memory_access_does_not_read_them(host: AgentHost) -> None:
    """can_access_parent_memory false: the same store query leaves the parent's out."""
    boss, room = await parent_with_secret(host)
    denied = Permissions(can_access_parent_memory=False)
    child = await host.create_child(host.runtimes[boss], character("Kid"), denied)
    assert await child_sees(host, child.id, room) == []


@pytest.mark.anyio
async def test_a_child_inherits_settings_under_its_own_and_only_inheritable_plugins(
    host: AgentHost,
) -> None:
    """Parent settings fill in, the child's own win; only inheritable plugins are passed on."""
    boss = await host.host(character("Boss", TEAM="red", MOOD="calm"))
    parent = host.runtimes[boss.id]
    parent._plugins.update({SHARED.name: SHARED, PRIVATE.name: PRIVATE})  # as if it loaded them
    child = await host.create_child(parent, character("Kid", MOOD="eager"))
    runtime = host.runtimes[child.id]
    assert (runtime.get_setting("TEAM"), runtime.get_setting("MOOD")) == ("red", "eager")
    names = {p.name for p in runtime.plugins}
    assert "shared-tools" in names
    assert "private-tools" not in names


@pytest.mark.anyio
async def test_the_hierarchy_is_stored_with_permissions_and_mirrored_in_the_registry(
    host: AgentHost,
) -> None:
    """The child's store row names its parent and permissions; the registry names the parent."""
    boss = await host.host(character("Boss"))
    rights = Permissions(can_create_children=True)
    child = await host.create_child(host.runtimes[boss.id], character("Kid"), rights)
    stored = await host.store.get_agent(child.id)
    assert stored is not None
    assert parent_of(stored.data) == boss.id
    assert permissions_of(stored.data) == rights
    registry = {r.name: r.parent for r in await list_agents(host.redis)}
    assert registry == {"Boss": None, "Kid": boss.id}

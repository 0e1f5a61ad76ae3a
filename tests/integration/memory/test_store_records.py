"""Agents, rooms, participants, relationships, tasks, cache and logs on both backends."""

from __future__ import annotations

import uuid

import anyio
import pytest

from swarm.memory import AgentRecord, Entity, LogEntry, MemoryStore, Relationship, Room, Task

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def new_id() -> str:
    return str(uuid.uuid4())


async def test_agents_create_is_idempotent_and_update_changes_fields(store: MemoryStore) -> None:
    """create_agent stores once; update_agent changes only the given fields."""
    agent = AgentRecord(id=new_id(), name="eliza", data={"bio": ["hi"]})
    assert await store.create_agent(agent) is True
    assert await store.create_agent(agent) is False
    assert await store.update_agent(agent.id, enabled=False) is True
    got = await store.get_agent(agent.id)
    assert got is not None
    assert (got.name, got.enabled, got.data) == ("eliza", False, {"bio": ["hi"]})


async def test_participants_link_entities_and_rooms(store: MemoryStore) -> None:
    """Entities added to a room are listed both ways, with their state."""
    agent, room, user = new_id(), new_id(), new_id()
    await store.create_rooms([Room(id=room, agent_id=agent, name="general")])
    await store.create_entities([Entity(id=user, agent_id=agent, names=["ann"])])
    assert await store.add_participants(room, [user, user]) == 1
    assert await store.get_participants(room) == [user]
    assert await store.get_rooms_for_participant(user) == [room]
    assert await store.set_participant_state(room, user, "MUTED") is True
    assert await store.get_participant_state(room, user) == "MUTED"
    assert [e.names for e in await store.get_entities_for_room(room)] == [["ann"]]


async def test_relationships_filter_by_tags(store: MemoryStore) -> None:
    """get_relationships returns links with every requested tag, from either end."""
    a, b, c, agent = new_id(), new_id(), new_id(), new_id()
    await store.create_relationship(
        Relationship(source_entity_id=a, target_entity_id=b, agent_id=agent, tags=["friend"])
    )
    await store.create_relationship(
        Relationship(source_entity_id=c, target_entity_id=a, agent_id=agent, tags=["boss"])
    )
    assert [r.target_entity_id for r in await store.get_relationships(a, tags=["friend"])] == [b]
    assert len(await store.get_relationships(a)) == 2


async def test_claim_tasks_hands_each_task_to_one_claimer(store: MemoryStore) -> None:
    """Concurrent claimers split the pending tasks: every task is claimed exactly once."""
    agent = new_id()
    for i in range(12):
        await store.create_task(
            Task(name=f"t{i}", agent_id=agent, tags=["queue"], created_at=i + 1)
        )
    await store.create_task(Task(name="other", agent_id=agent, tags=["misc"]))
    claimed: list[str] = []

    async def claimer(worker: str) -> None:
        while batch := await store.claim_tasks(
            agent_id=agent, worker=worker, count=2, tags=["queue"]
        ):
            claimed.extend(t.name for t in batch)

    async with anyio.create_task_group() as tg:
        for w in ("w1", "w2", "w3"):
            tg.start_soon(claimer, w)
    assert sorted(claimed) == sorted(f"t{i}" for i in range(12))
    assert [t.name for t in await store.get_tasks(agent_id=agent, status="pending")] == ["other"]


async def test_cache_values_expire(store: MemoryStore) -> None:
    """A cache entry is returned until its ttl passes, then reads as missing."""
    agent = new_id()
    await store.set_cache(agent, "k", {"v": 1})
    await store.set_cache(agent, "short", [1, 2], ttl_s=-1)  # already expired
    assert await store.get_cache(agent, "k") == {"v": 1}
    assert await store.get_cache(agent, "short") is None
    await store.set_cache(agent, "k", {"v": 2})
    assert await store.get_cache(agent, "k") == {"v": 2}
    assert await store.purge_expired_cache() == 1


async def test_logs_are_newest_first(store: MemoryStore) -> None:
    """get_logs filters by room and type and returns the newest first."""
    room = new_id()
    await store.log(LogEntry(type="model", body={"n": 1}, room_id=room, created_at=1))
    await store.log(LogEntry(type="model", body={"n": 2}, room_id=room, created_at=2))
    await store.log(LogEntry(type="action", body={"n": 3}, room_id=room, created_at=3))
    logs = await store.get_logs(room_id=room, type="model")
    assert [entry.body["n"] for entry in logs] == [2, 1]

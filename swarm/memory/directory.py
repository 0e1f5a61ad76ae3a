"""Agents, entities, worlds, rooms, participants and relationships (elizaOS's adapter)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec
from sqlalchemy import select

from swarm.memory.base import StoreBase
from swarm.memory.records import AgentRecord, Entity, Relationship, Room, World
from swarm.security.secrets import SecretBox, open_agent_data, seal_agent_data
from swarm.types import now_ms

__all__ = ["DirectoryMixin"]

logger = logging.getLogger("swarm.memory")

S = TypeVar("S", bound=msgspec.Struct)


def _row(record: msgspec.Struct, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {f: getattr(record, f) for f in record.__struct_fields__}
    row.update(extra)
    return row


def _one(rows: list[dict[str, Any]], kind: type[S]) -> S | None:
    return msgspec.convert(rows[0], kind) if rows else None


class DirectoryMixin(StoreBase):
    """Who and where: the records memories refer to."""

    # Character secrets in agent data: sealed with this box, or dropped without one.
    _secret_box: SecretBox | None = None
    _secrets_drop_warned = False

    def _sealed(self, agent_id: str, name: str, data: dict[str, Any]) -> dict[str, Any]:
        sealed, keys = seal_agent_data(data, self._secret_box, agent_id=agent_id)
        if keys and self._secret_box is None and not self._secrets_drop_warned:
            self._secrets_drop_warned = True
            logger.warning(
                "agent %r: its character secrets (%s) are not stored: no SWARM_SECRETS_KEY "
                "is set; set it to store secrets encrypted (warned once per store)",
                name,
                ", ".join(keys),
            )
        return sealed

    def _opened(self, row: dict[str, Any]) -> AgentRecord:
        record = msgspec.convert(row, AgentRecord)
        what = f"agent {record.name!r} ({record.id})"
        data = open_agent_data(record.data, self._secret_box, agent_id=record.id, what=what)
        return msgspec.structs.replace(record, data=data)

    # -- agents --
    async def create_agent(self, agent: AgentRecord) -> bool:
        """Store an agent; False when its id exists already (nothing changes).

        Character secrets in ``agent.data`` are stored encrypted when the store has a
        secrets key, and not at all otherwise.
        """
        now = now_ms()
        row = _row(agent, created_at=agent.created_at or now, updated_at=now)
        row["data"] = self._sealed(agent.id, agent.name, agent.data)
        return await self._insert_new(self.tables.agents, [row], "create_agent") == 1

    async def get_agent(self, agent_id: str) -> AgentRecord | None:
        """The agent with this id (secrets decrypted), or None."""
        a = self.tables.agents
        rows = await self._fetch(select(a).where(a.c.id == agent_id), "get_agent")
        return self._opened(rows[0]) if rows else None

    async def get_agents(self) -> list[AgentRecord]:
        """Every agent, by name (secrets decrypted)."""
        a = self.tables.agents
        rows = await self._fetch(select(a).order_by(a.c.name), "get_agents")
        return [self._opened(r) for r in rows]

    async def update_agent(
        self,
        agent_id: str,
        *,
        name: str | None = None,
        enabled: bool | None = None,
        data: dict[str, Any] | None = None,
    ) -> bool:
        """Change the given fields; False when no such agent."""
        a = self.tables.agents
        values: dict[str, Any] = {"updated_at": now_ms()}
        for key, value in (("name", name), ("enabled", enabled), ("data", data)):
            if value is not None:
                values[key] = value
        if data is not None:
            values["data"] = self._sealed(agent_id, name or agent_id, data)
        return (
            await self._change(a.update().where(a.c.id == agent_id).values(values), "update_agent")
            == 1
        )

    async def delete_agent(self, agent_id: str) -> bool:
        a = self.tables.agents
        return await self._change(a.delete().where(a.c.id == agent_id), "delete_agent") == 1

    # -- entities --
    async def create_entities(self, entities: Sequence[Entity]) -> int:
        """Store entities whose ids are new; return how many were."""
        now = now_ms()
        rows = [_row(e, created_at=now) for e in entities]
        return await self._insert_new(self.tables.entities, rows, "create_entities")

    async def get_entities_by_ids(self, entity_ids: Sequence[str]) -> list[Entity]:
        t = self.tables.entities
        rows = await self._fetch(select(t).where(t.c.id.in_(list(entity_ids))), "get_entities")
        return [msgspec.convert(r, Entity) for r in rows]

    async def update_entity(self, entity: Entity) -> bool:
        t = self.tables.entities
        stmt = (
            t.update()
            .where(t.c.id == entity.id)
            .values(names=entity.names, metadata=entity.metadata)
        )
        return await self._change(stmt, "update_entity") == 1

    async def get_entities_for_room(self, room_id: str) -> list[Entity]:
        t, p = self.tables.entities, self.tables.participants
        stmt = select(t).join(p, p.c.entity_id == t.c.id).where(p.c.room_id == room_id)
        return [msgspec.convert(r, Entity) for r in await self._fetch(stmt, "get_entities")]

    # -- worlds --
    async def create_world(self, world: World) -> bool:
        return (
            await self._insert_new(
                self.tables.worlds, [_row(world, created_at=now_ms())], "create_world"
            )
            == 1
        )

    async def get_world(self, world_id: str) -> World | None:
        w = self.tables.worlds
        return _one(await self._fetch(select(w).where(w.c.id == world_id), "get_world"), World)

    async def get_worlds(self, agent_id: str) -> list[World]:
        w = self.tables.worlds
        rows = await self._fetch(select(w).where(w.c.agent_id == agent_id), "get_worlds")
        return [msgspec.convert(r, World) for r in rows]

    # -- rooms --
    async def create_rooms(self, rooms: Sequence[Room]) -> int:
        now = now_ms()
        return await self._insert_new(
            self.tables.rooms, [_row(r, created_at=now) for r in rooms], "create_rooms"
        )

    async def get_room(self, room_id: str) -> Room | None:
        r = self.tables.rooms
        return _one(await self._fetch(select(r).where(r.c.id == room_id), "get_room"), Room)

    async def get_rooms(self, world_id: str) -> list[Room]:
        r = self.tables.rooms
        rows = await self._fetch(select(r).where(r.c.world_id == world_id), "get_rooms")
        return [msgspec.convert(x, Room) for x in rows]

    async def delete_room(self, room_id: str) -> bool:
        r = self.tables.rooms
        return await self._change(r.delete().where(r.c.id == room_id), "delete_room") == 1

    # -- participants --
    async def add_participants(
        self, room_id: str, entity_ids: Sequence[str], agent_id: str | None = None
    ) -> int:
        """Add entities to a room; those already in it are skipped. Returns how many joined."""
        now = now_ms()
        rows = [
            {
                "entity_id": e,
                "room_id": room_id,
                "agent_id": agent_id,
                "room_state": None,
                "created_at": now,
            }
            for e in entity_ids
        ]
        return await self._insert_new(self.tables.participants, rows, "add_participants")

    async def remove_participant(self, room_id: str, entity_id: str) -> bool:
        p = self.tables.participants
        stmt = p.delete().where(p.c.room_id == room_id, p.c.entity_id == entity_id)
        return await self._change(stmt, "remove_participant") == 1

    async def get_participants(self, room_id: str) -> list[str]:
        """Entity ids in a room."""
        p = self.tables.participants
        rows = await self._fetch(
            select(p.c.entity_id).where(p.c.room_id == room_id), "get_participants"
        )
        return [r["entity_id"] for r in rows]

    async def get_rooms_for_participant(self, entity_id: str) -> list[str]:
        """Room ids an entity is in."""
        p = self.tables.participants
        rows = await self._fetch(select(p.c.room_id).where(p.c.entity_id == entity_id), "get_rooms")
        return [r["room_id"] for r in rows]

    async def set_participant_state(self, room_id: str, entity_id: str, state: str | None) -> bool:
        """elizaOS's FOLLOWED / MUTED / None; False when the entity is not in the room."""
        p = self.tables.participants
        stmt = (
            p.update()
            .where(p.c.room_id == room_id, p.c.entity_id == entity_id)
            .values(room_state=state)
        )
        return await self._change(stmt, "set_participant_state") == 1

    async def get_participant_state(self, room_id: str, entity_id: str) -> str | None:
        p = self.tables.participants
        stmt = select(p.c.room_state).where(p.c.room_id == room_id, p.c.entity_id == entity_id)
        rows = await self._fetch(stmt, "get_participant_state")
        return rows[0]["room_state"] if rows else None

    # -- relationships --
    async def create_relationship(self, rel: Relationship) -> bool:
        """Store a relationship; False when (source, target, agent) exists already."""
        row = _row(rel, id=rel.id or str(uuid.uuid4()), created_at=now_ms())
        return await self._insert_new(self.tables.relationships, [row], "create_relationship") == 1

    async def get_relationship(
        self, source_entity_id: str, target_entity_id: str, agent_id: str
    ) -> Relationship | None:
        t = self.tables.relationships
        stmt = select(t).where(
            t.c.source_entity_id == source_entity_id,
            t.c.target_entity_id == target_entity_id,
            t.c.agent_id == agent_id,
        )
        return _one(await self._fetch(stmt, "get_relationship"), Relationship)

    async def get_relationships(
        self, entity_id: str, tags: Sequence[str] = ()
    ) -> list[Relationship]:
        """Relationships where the entity is source or target, having every tag in ``tags``."""
        t = self.tables.relationships
        stmt = select(t).where(
            (t.c.source_entity_id == entity_id) | (t.c.target_entity_id == entity_id)
        )
        rels = [
            msgspec.convert(r, Relationship) for r in await self._fetch(stmt, "get_relationships")
        ]
        return [r for r in rels if set(tags) <= set(r.tags)]

    async def update_relationship(self, rel: Relationship) -> bool:
        t = self.tables.relationships
        stmt = (
            t.update()
            .where(
                t.c.source_entity_id == rel.source_entity_id,
                t.c.target_entity_id == rel.target_entity_id,
                t.c.agent_id == rel.agent_id,
            )
            .values(tags=rel.tags, metadata=rel.metadata)
        )
        return await self._change(stmt, "update_relationship") == 1

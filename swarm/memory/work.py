"""Tasks (with claiming), the expiring cache and logs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from swarm.errors import ConfigError
from swarm.memory.base import StoreBase
from swarm.memory.records import LogEntry, Task
from swarm.types import now_ms

__all__ = ["WorkMixin"]

TASK_STATUSES = ("pending", "claimed", "done", "running", "failed", "timed_out")


class WorkMixin(StoreBase):
    """Deferred work, short-lived values and structured logs."""

    def _has_tags(self, tags: Sequence[str]) -> list[ColumnElement[bool]]:
        t = self.tables.tasks
        if not tags:
            return []
        if self.dialect == "postgresql":
            wanted = cast(list(tags), JSONB)
            return [cast(t.c.tags, JSONB).contains(wanted)]
        clauses: list[ColumnElement[bool]] = []
        for tag in tags:
            each = func.json_each(t.c.tags).table_valued("value")
            clauses.append(select(literal(1)).select_from(each).where(each.c.value == tag).exists())
        return clauses

    # -- tasks --
    async def create_task(self, task: Task) -> str:
        """Store a task (status ``pending`` unless given); return its id."""
        now = now_ms()
        row: dict[str, Any] = {f: getattr(task, f) for f in task.__struct_fields__}
        row.update(
            id=task.id or str(uuid.uuid4()), created_at=task.created_at or now, updated_at=now
        )
        await self._insert_new(self.tables.tasks, [row], "create_task")
        return str(row["id"])

    async def get_task(self, task_id: str) -> Task | None:
        t = self.tables.tasks
        rows = await self._fetch(select(t).where(t.c.id == task_id), "get_task")
        return msgspec.convert(rows[0], Task) if rows else None

    async def get_tasks(
        self,
        *,
        agent_id: str | None = None,
        room_id: str | None = None,
        tags: Sequence[str] = (),
        status: str | None = None,
    ) -> list[Task]:
        """Tasks matching every given filter (all of ``tags``), oldest first."""
        t = self.tables.tasks
        where: list[ColumnElement[bool]] = self._has_tags(tags)
        if agent_id is not None:
            where.append(t.c.agent_id == agent_id)
        if room_id is not None:
            where.append(t.c.room_id == room_id)
        if status is not None:
            where.append(t.c.status == status)
        rows = await self._fetch(
            select(t).where(*where).order_by(t.c.created_at, t.c.id), "get_tasks"
        )
        return [msgspec.convert(r, Task) for r in rows]

    async def update_task(
        self,
        task_id: str,
        *,
        status: str | None = None,
        metadata: dict[str, Any] | None = None,
        tags: Sequence[str] | None = None,
        description: str | None = None,
        expected: Sequence[str] | None = None,
    ) -> bool:
        """Change the given fields; False when no such task.

        With ``expected``: only while the task's status is one of those (a compare-and-set,
        so two parties finishing one task cannot both win); False otherwise.
        """
        if status is not None and status not in TASK_STATUSES:
            raise ConfigError(f"task status {status!r} is not one of {', '.join(TASK_STATUSES)}")
        t = self.tables.tasks
        values: dict[str, Any] = {"updated_at": now_ms()}
        for key, value in (
            ("status", status),
            ("metadata", metadata),
            ("description", description),
        ):
            if value is not None:
                values[key] = value
        if tags is not None:
            values["tags"] = list(tags)
        where = [t.c.id == task_id]
        if expected is not None:
            where.append(t.c.status.in_(list(expected)))
        return await self._change(t.update().where(*where).values(values), "update_task") == 1

    async def delete_task(self, task_id: str) -> bool:
        t = self.tables.tasks
        return await self._change(t.delete().where(t.c.id == task_id), "delete_task") == 1

    async def claim_tasks(
        self, *, agent_id: str, worker: str, count: int = 1, tags: Sequence[str] = ()
    ) -> list[Task]:
        """Atomically move up to ``count`` pending tasks to ``claimed`` by ``worker``.

        PostgreSQL uses ``FOR UPDATE SKIP LOCKED`` so concurrent claimers never wait on or
        share a task; SQLite's ``BEGIN IMMEDIATE`` serialises claimers instead.
        """
        t = self.tables.tasks
        now = now_ms()
        pick = (
            select(t.c.id)
            .where(t.c.agent_id == agent_id, t.c.status == "pending", *self._has_tags(tags))
            .order_by(t.c.created_at, t.c.id)
            .limit(count)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            t.update()
            .where(t.c.id.in_(pick.scalar_subquery()))
            .values(status="claimed", claimed_by=worker, claimed_at=now, updated_at=now)
            .returning(*t.c)
        )
        rows = await self._fetch(stmt, "claim_tasks")
        return sorted(
            (msgspec.convert(r, Task) for r in rows), key=lambda x: (x.created_at or 0, x.id or "")
        )

    # -- cache --
    async def set_cache(
        self, agent_id: str, key: str, value: Any, *, ttl_s: float | None = None
    ) -> None:
        """Store a JSON value under (agent, key), replacing any; it expires after ``ttl_s``."""
        c = self.tables.cache
        now = now_ms()
        row = {
            "agent_id": agent_id,
            "key": key,
            "value": value,
            "created_at": now,
            "expires_at": None if ttl_s is None else now + int(ttl_s * 1000),
        }
        stmt = self._insert(c).values(row)
        stmt = stmt.on_conflict_do_update(
            index_elements=[c.c.agent_id, c.c.key],
            set_={
                "value": stmt.excluded.value,
                "expires_at": stmt.excluded.expires_at,
                "created_at": now,
            },
        )
        await self._change(stmt, "set_cache")

    async def get_cache(self, agent_id: str, key: str) -> Any | None:
        """The cached value, or None when missing or expired."""
        c = self.tables.cache
        stmt = select(c.c.value).where(
            c.c.agent_id == agent_id,
            c.c.key == key,
            or_(c.c.expires_at.is_(None), c.c.expires_at > now_ms()),
        )
        rows = await self._fetch(stmt, "get_cache")
        return rows[0]["value"] if rows else None

    async def delete_cache(self, agent_id: str, key: str) -> bool:
        c = self.tables.cache
        return (
            await self._change(
                c.delete().where(c.c.agent_id == agent_id, c.c.key == key), "delete_cache"
            )
            == 1
        )

    async def purge_expired_cache(self) -> int:
        """Delete every expired entry; return how many."""
        c = self.tables.cache
        return await self._change(
            c.delete().where(c.c.expires_at <= now_ms()), "purge_expired_cache"
        )

    # -- logs --
    async def log(self, entry: LogEntry) -> str:
        """Append a log record; return its id."""
        row: dict[str, Any] = {f: getattr(entry, f) for f in entry.__struct_fields__}
        row.update(id=entry.id or str(uuid.uuid4()), created_at=entry.created_at or now_ms())
        await self._insert_new(self.tables.logs, [row], "log")
        return str(row["id"])

    async def get_logs(
        self,
        *,
        room_id: str | None = None,
        agent_id: str | None = None,
        type: str | None = None,
        count: int | None = None,
    ) -> list[LogEntry]:
        """Log records, newest first."""
        t = self.tables.logs
        where: list[ColumnElement[bool]] = []
        for col, value in ((t.c.room_id, room_id), (t.c.agent_id, agent_id), (t.c.type, type)):
            if value is not None:
                where.append(col == value)
        stmt = select(t).where(*where).order_by(t.c.created_at.desc(), t.c.id.desc())
        if count is not None:
            stmt = stmt.limit(count)
        return [msgspec.convert(r, LogEntry) for r in await self._fetch(stmt, "get_logs")]

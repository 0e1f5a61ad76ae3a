"""Hosting agents and their children: one place builds, registers and serves every runtime.

A child is hosted by the workers that host its parent. It is created (by the parent, from a
turn, or by a client's ``create_child`` control message to the parent) on the worker that
handles the request, which stores it in the memory store with its parent and permissions
(:mod:`swarm.hierarchy`), registers it in Redis with its parent, and starts serving its
inbox at once. Every worker hosting a parent reads the store at start and hosts the
parent's children (and theirs), so a restart re-hosts them.

A child inherits its parent's settings (its own win) and the parent's plugins marked
``inheritable``; it shares the memory store. With ``can_access_parent_memory`` its memory
queries include the parent's private memories (``runtime.readable_agents``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from typing import Any

import anyio
import msgspec

from swarm.bus import (
    AgentRecord,
    Redis,
    add_replicas,
    group_members,
    list_agents,
    register_agent,
    replica_index,
    replica_name,
)
from swarm.characters import Character
from swarm.errors import CharacterError, PermissionDeniedError
from swarm.hierarchy import (
    HIERARCHY_KEY,
    NO_AUTHORITY,
    Permissions,
    child_data,
    parent_of,
    permissions_of,
)
from swarm.memory import AgentRecord as StoredAgent
from swarm.memory import MemoryStore
from swarm.models import OpenAICompatibleModel
from swarm.runtime import AgentRuntime, FleetService, Plugin
from swarm.types import Content
from workers.fleet_service import fleet_service
from workers.runtime_handler import RuntimeHandler
from workers.worker import Worker

__all__ = [
    "MAX_SCALE_STEP",
    "MODEL_PRIORITY",
    "AgentHost",
    "inherited_character",
    "inherited_plugins",
    "replica_character",
]

log = logging.getLogger("swarm.worker")

MODEL_PRIORITY = 10
"""Priority of the configured OpenAI-compatible model; the offline model stays below it."""


MAX_SCALE_STEP = 64
"""Most replicas one ``scale_up`` request may add (a typo must not start thousands)."""


def replica_character(character: Character, index: int) -> Character:
    """Replica ``index`` of ``character``: named ``<name>#<index>``, its id derived from that."""
    return character.model_copy(update={"name": replica_name(character.name, index), "id": None})


def inherited_character(parent: AgentRuntime, child: Character) -> Character:
    """``child`` with its parent's settings underneath its own (the child's win)."""
    settings = {**parent.character.settings, **parent.settings, **child.settings}
    return child.model_copy(update={"settings": settings})


def inherited_plugins(parent: AgentRuntime) -> list[Plugin]:
    """The parent's plugins marked ``inheritable``."""
    return [plugin for plugin in parent.plugins if plugin.inheritable]


def _stored_character(data: Mapping[str, Any]) -> Character:
    return Character.model_validate({k: v for k, v in data.items() if k != HIERARCHY_KEY})


class AgentHost:
    """Builds, registers and hosts runtimes for one worker process (its composition root)."""

    def __init__(
        self,
        redis: Redis,
        store: MemoryStore,
        stack: AsyncExitStack,
        model: OpenAICompatibleModel | None = None,
    ) -> None:
        self.redis = redis
        self.store = store
        self.runtimes: dict[str, AgentRuntime] = {}
        self.parents: dict[str, str | None] = {}
        """Hosted agent id -> its parent's id (None for a root): the worker's authority map."""
        self.groups: dict[str, str] = {}
        """Hosted replica id -> its group's name."""
        self._group_characters: dict[str, Character] = {}
        self.records: list[AgentRecord] = []
        self.handler: RuntimeHandler | None = None
        self.worker: Worker | None = None
        self._stack = stack
        self._fleet: type[FleetService] = fleet_service(redis, self)
        self._model = model
        self._lock = anyio.Lock()

    async def host(
        self,
        character: Character,
        *,
        parent: AgentRuntime | None = None,
        permissions: Permissions | None = None,
        group: str | None = None,
    ) -> AgentRecord:
        """Start a runtime for ``character`` (a child of ``parent``, or a replica of
        ``group``) and serve its inbox."""
        plugins = inherited_plugins(parent) if parent is not None else []
        if parent is not None:
            character = inherited_character(parent, character)
        runtime = AgentRuntime(character, adapter=self.store, plugins=plugins)
        if parent is not None and (permissions or Permissions()).can_access_parent_memory:
            runtime.readable_agents = (parent.agent_id,)
        if self._model is not None:
            self._model.register(runtime, priority=MODEL_PRIORITY)
        await runtime.initialize()
        self._stack.push_async_callback(_shielded, runtime.stop)
        await runtime.register_service(self._fleet)
        parent_id = parent.agent_id if parent is not None else None
        self.runtimes[runtime.agent_id] = runtime
        self.parents[runtime.agent_id] = parent_id
        if parent is None:
            data: dict[str, Any] = character.model_dump(mode="json", by_alias=True)
            await self.store.create_agent(
                StoredAgent(id=runtime.agent_id, name=character.name, data=data)
            )
        record = await register_agent(
            self.redis, character.name, runtime.agent_id, parent=parent_id, group=group
        )
        if group is not None:
            self.groups[runtime.agent_id] = group
            await add_replicas(self.redis, group, [character.name])
        self.records.append(record)
        if self.handler is not None:
            self.handler.add(runtime)
        if self.worker is not None:
            await self.worker.add_agent(record)
        return record

    async def host_replicas(
        self, character: Character, first: int, count: int
    ) -> list[AgentRecord]:
        """Host replicas ``first`` .. ``first + count - 1`` of ``character`` (routable at once)."""
        self._group_characters[character.name] = character
        return [
            await self.host(replica_character(character, index), group=character.name)
            for index in range(first, first + count)
        ]

    async def scale_up(self, agent_id: str, count: int) -> list[AgentRecord]:
        """Host ``count`` more replicas of hosted replica ``agent_id``'s group, numbered after
        the highest registered one."""
        group = self.groups.get(agent_id)
        if group is None or group not in self._group_characters:
            raise CharacterError(
                "scale_up: this agent is not a replica; start its worker with --replicas N"
            )
        if not 1 <= count <= MAX_SCALE_STEP:
            raise CharacterError(f"scale_up: count must be 1..{MAX_SCALE_STEP}, got {count}")
        async with self._lock:
            members = group_members(await list_agents(self.redis), group)
            last = max((replica_index(m.name) for m in members), default=0)
            added = await self.host_replicas(self._group_characters[group], last + 1, count)
        log.info("scaled %s up by %d: %s", group, count, ", ".join(r.name for r in added))
        return added

    async def create_child(
        self, parent: AgentRuntime, child: Character, permissions: Permissions | None = None
    ) -> AgentRecord:
        """Store, register and host a child of ``parent`` (idempotent for the same child)."""
        permissions = permissions or Permissions()
        async with self._lock:
            stored_parent = await self.store.get_agent(parent.agent_id)
            parent_rights = permissions_of(stored_parent.data if stored_parent else {})
            if not parent_rights.can_create_children:
                raise PermissionDeniedError(
                    f"{NO_AUTHORITY}: {parent.character.name!r} may not create children "
                    "(its can_create_children permission is false)"
                )
            child_id = child.id or AgentRuntime(child).agent_id
            own: dict[str, Any] = child.model_dump(mode="json", by_alias=True)
            data = child_data(own, parent.agent_id, permissions)
            if not await self.store.create_agent(
                StoredAgent(id=child_id, name=child.name, data=data)
            ):
                existing = await self.store.get_agent(child_id)
                if existing is None or parent_of(existing.data) != parent.agent_id:
                    raise PermissionDeniedError(
                        f"agent {child.name!r} exists and is not a child of "
                        f"{parent.character.name!r}; give the child another name"
                    )
                permissions = permissions_of(existing.data)
            if child_id in self.runtimes:
                return next(r for r in self.records if r.id == child_id)
            record = await self.host(child, parent=parent, permissions=permissions)
        log.info("created child %s of %s", child.name, parent.character.name)
        return record

    async def host_children(self) -> int:
        """Host every stored child of a hosted agent (and theirs); how many were started."""
        started = 0
        agents = await self.store.get_agents()
        progress = True
        while progress:
            progress = False
            for agent in agents:
                parent_id = parent_of(agent.data)
                if agent.id in self.runtimes or parent_id not in self.runtimes:
                    continue
                try:
                    character = _stored_character(agent.data)
                except (CharacterError, ValueError) as exc:
                    log.error("cannot re-host child %r: %s", agent.name, exc)
                    continue
                await self.host(
                    character,
                    parent=self.runtimes[parent_id],
                    permissions=permissions_of(agent.data),
                )
                started += 1
                progress = True
        return started

    async def control(self, agent_id: str, request: Mapping[str, Any]) -> Content:
        """A control message's request for hosted agent ``agent_id`` (``create_child``,
        ``scale_up``)."""
        if request.get("control") == "scale_up":
            count = request.get("count")
            if not isinstance(count, int) or isinstance(count, bool):
                raise CharacterError("scale_up: 'count' must be an integer")
            added = await self.scale_up(agent_id, count)
            names = [r.name for r in added]
            return Content(text=", ".join(names), data={"replicas": names})
        if request.get("control") != "create_child":
            raise PermissionDeniedError(
                f"unknown control request {str(request.get('control'))[:40]!r}; "
                "use create_child or scale_up"
            )
        try:
            character = Character.model_validate(request.get("character") or {})
            permissions = msgspec.convert(request.get("permissions") or {}, Permissions)
        except (ValueError, msgspec.ValidationError) as exc:
            raise CharacterError(
                f"create_child: invalid child character or permissions: {exc}"
            ) from None
        record = await self.create_child(self.runtimes[agent_id], character, permissions)
        return Content(text=record.id, data={"child": msgspec.to_builtins(record)})


async def _shielded(close: Any) -> None:
    with anyio.CancelScope(shield=True):
        await close()

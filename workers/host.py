"""Hosting agents: the composition root that turns character files into a serving worker.

``host_agents`` loads the characters, opens the shared memory store and Redis, builds one
:class:`~swarm.runtime.AgentRuntime` per character (with the OpenAI-compatible model when
``SWARM_MODEL_URL`` is set, the offline model otherwise), registers every agent (in the
store and in the Redis registry, which creates its consumer group at id 0), then runs the
stream machinery until SIGTERM/SIGINT drains it. Everything opened is closed in reverse
order, shielded from cancellation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

import anyio

from swarm.bus import AgentRecord, connect, register_agent
from swarm.characters import Character, load_characters
from swarm.errors import CharacterError, ConfigError
from swarm.memory import AgentRecord as StoredAgent
from swarm.memory import MemoryStore, create_store
from swarm.models import OpenAICompatibleModel
from swarm.runtime import AgentRuntime
from swarm.security import database_url
from swarm.settings import Settings
from workers.options import WorkerOptions
from workers.runtime_handler import RuntimeHandler
from workers.serve import serve

__all__ = ["MODEL_PRIORITY", "host_agents", "load_fleet_characters", "store_url"]

log = logging.getLogger("swarm.worker")

MODEL_PRIORITY = 10
"""Priority of the configured OpenAI-compatible model; the offline model stays below it."""


def store_url(settings: Settings) -> str:
    """The memory store URL: ``SWARM_DATABASE_URL``, else SQLite under the state directory."""
    configured = database_url(settings)  # password and SSL settings folded in
    if configured:
        return configured
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{settings.state_dir.resolve() / 'swarm.db'}"


async def load_fleet_characters(paths: Sequence[str]) -> list[Character]:
    """Every character in ``paths``; two characters with one name are refused."""
    if not paths:
        raise CharacterError("no character files given; pass at least one, e.g. eliza.json")
    characters: list[Character] = []
    seen: dict[str, str] = {}
    for path in paths:
        for character in await load_characters(path):
            if character.name in seen:
                raise CharacterError(
                    f"agent name {character.name!r} appears in {seen[character.name]} and "
                    f"{path}; agent names must be unique within a worker",
                    source=path,
                )
            seen[character.name] = path
            characters.append(character)
    return characters


def _stored_agent(runtime: AgentRuntime) -> StoredAgent:
    # The store seals the character's secrets with SWARM_SECRETS_KEY, or drops them.
    data: dict[str, Any] = runtime.character.model_dump(mode="json", by_alias=True)
    return StoredAgent(id=runtime.agent_id, name=runtime.character.name, data=data)


async def host_agents(
    settings: Settings,
    paths: Sequence[str],
    *,
    concurrency: int | None = None,
    handle_signals: bool = True,
) -> None:
    """Serve the agents of ``paths`` until a signal drains the worker (see module docstring)."""
    if not settings.redis_url:
        raise ConfigError(
            "SWARM_REDIS_URL is not set; point it at your Redis (redis://host:6379/0), "
            "or run `swarm up`, which starts an embedded one"
        )
    characters = await load_fleet_characters(paths)
    async with AsyncExitStack() as stack:
        store: MemoryStore = create_store(
            store_url(settings),
            pool_size=settings.db_pool_size,
            embedding_dimension=settings.embedding_dimension,
            secrets_key=settings.secrets_key,
        )
        stack.push_async_callback(_shielded, store.close)
        await store.init()
        redis = connect(settings.redis_url)
        stack.push_async_callback(_shielded, redis.aclose)
        model: OpenAICompatibleModel | None = None
        if settings.model_url:
            model = OpenAICompatibleModel.from_settings(settings)
            stack.push_async_callback(_shielded, model.aclose)
        runtimes: list[AgentRuntime] = []
        records: list[AgentRecord] = []
        for character in characters:
            runtime = AgentRuntime(character, adapter=store)
            if model is not None:
                model.register(runtime, priority=MODEL_PRIORITY)
            await runtime.initialize()
            stack.push_async_callback(_shielded, runtime.stop)
            runtimes.append(runtime)
            await store.create_agent(_stored_agent(runtime))
            records.append(await register_agent(redis, character.name, runtime.agent_id))
        log.info(
            "hosting %d agent(s): %s (model: %s)",
            len(records),
            ", ".join(r.name for r in records),
            model.name if model else "offline",
        )
        options = WorkerOptions(
            concurrency=concurrency or settings.worker_concurrency,
            drain_timeout_s=settings.drain_timeout_s,
        )
        await serve(
            redis,
            RuntimeHandler(runtimes, store),
            records,
            options,
            health_port=settings.health_port,
            handle_signals=handle_signals,
        )


async def _shielded(close: Any) -> None:
    with anyio.CancelScope(shield=True):
        await close()

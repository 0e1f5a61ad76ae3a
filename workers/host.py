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
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from typing import Any

import anyio

from swarm.bus import BusCommand, Message, Redis, connect_settings, publish
from swarm.characters import Character, load_characters
from swarm.errors import CharacterError, ConfigError
from swarm.ids import response_id
from swarm.memory import MemoryStore, store_from_settings
from swarm.models import OpenAICompatibleModel
from swarm.runtime import AgentRuntime
from swarm.settings import Settings
from swarm.types import Content, now_ms
from workers.children import MODEL_PRIORITY, AgentHost
from workers.options import WorkerOptions
from workers.runtime_handler import AgentReply, RuntimeHandler
from workers.serve import serve
from workers.worker import Worker

__all__ = [
    "MODEL_PRIORITY",
    "agent_replies",
    "host_agents",
    "load_fleet_characters",
    "store_url",
]

log = logging.getLogger("swarm.worker")


def store_url(settings: Settings) -> str:
    """The memory store URL: ``SWARM_DATABASE_URL``, else SQLite under the state directory."""
    if settings.database_url:
        return settings.database_url
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


async def host_agents(
    settings: Settings,
    paths: Sequence[str],
    *,
    concurrency: int | None = None,
    handle_signals: bool = True,
    replicas: int | None = None,
) -> None:
    """Serve the agents of ``paths`` until a signal drains the worker (see module docstring).

    With ``replicas`` N, each character is hosted as replicas ``<name>#1`` .. ``<name>#N`` of
    the group ``<name>`` (see ``swarm.bus.replicas``) instead of as one agent.
    """
    if not settings.redis_url:
        raise ConfigError(
            "SWARM_REDIS_URL is not set; point it at your Redis (redis://host:6379/0), "
            "or run `swarm up`, which starts an embedded one"
        )
    characters = await load_fleet_characters(paths)
    async with AsyncExitStack() as stack:
        store: MemoryStore = store_from_settings(settings, store_url(settings))
        stack.push_async_callback(_shielded, store.close)
        await store.init()
        redis = connect_settings(settings)
        stack.push_async_callback(_shielded, redis.aclose)
        model: OpenAICompatibleModel | None = None
        if settings.model_url:
            model = OpenAICompatibleModel.from_settings(settings)
            stack.push_async_callback(_shielded, model.aclose)
        host = AgentHost(redis, store, stack, model)
        for character in characters:
            if replicas is None:
                await host.host(character)
            else:
                await host.host_replicas(character, 1, replicas)
        children = await host.host_children()
        log.info(
            "hosting %d agent(s): %s (model: %s)",
            len(host.records),
            ", ".join(r.name for r in host.records),
            model.name if model else "offline",
        )
        if children:
            log.info("re-hosted %d child agent(s) from the store", children)
        options = WorkerOptions(
            concurrency=concurrency or settings.worker_concurrency,
            drain_timeout_s=settings.drain_timeout_s,
            presence_ttl_s=settings.worker_presence_ttl_s,
            heartbeat_s=settings.worker_presence_ttl_s / 3,
        )
        handler = RuntimeHandler(
            host.runtimes.values(),
            store,
            agent_reply=agent_replies(redis, host.runtimes),
            parents=host.parents,
            tasks=store,
            control=host.control,
        )
        worker = Worker(redis, handler, host.records, options)
        host.handler, host.worker = handler, worker
        await serve(
            redis,
            handler,
            host.records,
            options,
            health_port=settings.health_port,
            handle_signals=handle_signals,
            worker=worker,
        )


def agent_replies(redis: Redis, runtimes: Mapping[str, AgentRuntime]) -> AgentReply:
    """Sends an agent's answer to another agent back to it, marked as an agent reply.

    The id is the response's id, so a redelivered turn's answer is routed once. ``runtimes``
    is read at each call, so children hosted later are named too.
    """

    def name_of(agent_id: str) -> str:
        runtime = runtimes.get(agent_id)
        return runtime.character.name if runtime is not None else ""

    async def send_back(message: Message, content: Content) -> None:
        hops = message.metadata.get("hops", 0)
        await publish(
            redis,
            BusCommand(
                kind="send",
                to=str(message.metadata["from_agent"]),
                text=content.text,
                message_id=response_id(message.id, message.agent_id),
                sender=message.agent_id,
                sender_name=name_of(message.agent_id),
                room=message.room,
                hops=(hops if isinstance(hops, int) else 0) + 1,
                agent_reply=True,
                sent_at=now_ms(),
            ),
        )

    return send_back


async def _shielded(close: Any) -> None:
    with anyio.CancelScope(shield=True):
        await close()

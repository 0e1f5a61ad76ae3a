"""Which agent a message went to: a small Redis key per message the gateway sends.

``GET /messages/{id}`` needs the agent to derive the reply's memory id
(``response_id(message_id, agent_id)``). The gateway writes::

    swarm:gateway:message:<message_id>  ->  <agent_id>      (string, TTL MESSAGE_TTL_S)

before it adds the message to the inbox, so the key exists whenever the message does. It is a
single key per message (no hash tag needed on Redis Cluster).
"""

from __future__ import annotations

from swarm.bus import Redis, keys

__all__ = ["MESSAGE_TTL_S", "agent_of", "message_key", "remember"]

MESSAGE_TTL_S = 7 * 24 * 3600
"""How long ``GET /messages/{id}`` can find a message sent through the gateway."""


def message_key(message_id: str) -> str:
    """The key naming the agent of ``message_id``."""
    return f"{keys.PREFIX}:gateway:message:{message_id}"


async def remember(redis: Redis, message_id: str, agent_id: str) -> None:
    """Record that ``message_id`` goes to ``agent_id`` (for MESSAGE_TTL_S)."""
    await redis.set(message_key(message_id), agent_id, ex=MESSAGE_TTL_S)


async def agent_of(redis: Redis, message_id: str) -> str | None:
    """The agent id ``message_id`` was sent to, or None when the gateway does not know it."""
    raw = await redis.get(message_key(message_id))
    if raw is None:
        return None
    return raw.decode() if isinstance(raw, bytes) else str(raw)

"""Delivering one bus command: to an inbox, to the offline queue, or to the dead letters.

Idempotence: every delivery is one Lua script that sets a marker key for (agent, message id)
and ``XADD``s the entry only when the marker was new. Both keys carry the target agent's hash
tag, so the script runs on Redis Cluster too. A coordinator that dies after routing but
before acking its bus entry leaves it to another coordinator, whose second routing is a no-op.

Order: while an agent has messages in its offline queue, new messages for it join the queue
(same script, same slot) instead of overtaking them.
"""

from __future__ import annotations

from typing import Any

from swarm.bus import (
    AgentRecord,
    BusCommand,
    DeadLetter,
    Redis,
    encode_dead_letter,
    encode_message,
    keys,
)
from swarm.ids import string_to_uuid
from swarm.types import now_ms

__all__ = [
    "Delivery",
    "Router",
    "dead_letter",
    "deliver",
    "inbox_fields",
    "queue_key",
    "route_marker",
]

# KEYS: marker, stream, [divert]   ARGV: marker ttl ms, field, value, ...
# Returns 1 (added to stream), 2 (added to divert: the queue was not empty), 0 (done before).
_DELIVER = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return 0
end
local stream = KEYS[2]
local result = 1
if KEYS[3] and redis.call('XLEN', KEYS[3]) > 0 then
  stream = KEYS[3]
  result = 2
end
redis.call('XADD', stream, '*', unpack(ARGV, 2))
return result
"""

Delivery = int
"""0: delivered before (no-op), 1: delivered to the stream, 2: diverted into the queue."""


def queue_key(name: str) -> str:
    """The offline queue of agent ``name`` (under the hash tag of its default id)."""
    return keys.queued(string_to_uuid(name))


def route_marker(agent_id: str, message_id: str) -> str:
    """The marker of 'message ``message_id`` reached agent ``agent_id``'."""
    return keys.routed(agent_id, message_id)


def inbox_fields(command: BusCommand, message_id: str) -> dict[str, str]:
    """The inbox entry a bus command becomes, with the inter-agent metadata."""
    metadata: dict[str, Any] = dict(command.metadata)
    if command.sender:
        metadata.update(
            from_agent=command.sender,
            from_agent_name=command.sender_name,
            inter_agent=True,
            hops=command.hops,
        )
        if command.agent_reply:
            metadata["agent_reply"] = True
    fields = encode_message(
        text=command.text,
        message_id=message_id,
        room=command.room,
        reply_to=command.reply_to,
        sender=command.sender or None,
        metadata=metadata,
        sent_at=command.sent_at if command.sent_at is not None else now_ms(),
    )
    if command.expires_at is not None:
        fields["expires_at"] = str(command.expires_at)
    return fields


class Router:
    """Runs the delivery script (registered once per connection)."""

    def __init__(self, redis: Redis, marker_ttl_s: float) -> None:
        self._script: Any = redis.register_script(_DELIVER)
        self._ttl_ms = str(int(marker_ttl_s * 1000))

    async def deliver(
        self, marker: str, stream: str, fields: dict[str, str], divert: str | None = None
    ) -> Delivery:
        args = [self._ttl_ms]
        for key, value in fields.items():
            args += [key, value]
        keys_ = [marker, stream] if divert is None else [marker, stream, divert]
        return int(await self._script(keys=keys_, args=args))


async def deliver(
    router: Router, record: AgentRecord, command: BusCommand, message_id: str
) -> Delivery:
    """Deliver ``command`` to registered agent ``record``, behind its queued messages."""
    queue = queue_key(record.name)
    same_slot = keys.hash_tag(record.id) in queue
    return await router.deliver(
        route_marker(record.id, message_id),
        record.inbox,
        inbox_fields(command, message_id),
        divert=queue if same_slot else None,
    )


async def dead_letter(
    redis: Redis, stream: str, *, source: str, entry_id: str, agent_id: str, error: str,
    fields: dict[str, str], worker: str,
) -> None:  # fmt: skip
    """Append a dead letter (what, why, by whom) to ``stream``."""
    letter = DeadLetter(
        inbox=source,
        entry_id=entry_id,
        agent_id=agent_id,
        error=error,
        deliveries=1,
        worker=worker,
        failed_at=now_ms(),
        fields=fields,
    )
    await redis.xadd(stream, encode_dead_letter(letter))  # type: ignore[arg-type]

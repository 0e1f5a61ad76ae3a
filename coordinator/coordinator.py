"""One coordinator process's loop: read the bus, route, ack; reclaim; drain offline queues.

The loop, one iteration per batch::

    reclaim due?  -> pending bus entries of coordinators whose presence key is gone
    flush due?    -> queued messages of names that got registered, moved into inboxes in order
    XREADGROUP    -> the bus stream, group ``swarm:coordinators`` (one consumer per process)
    route         -> each entry: inbox / offline queue / dead letters (idempotent, see routing)
    XACK          -> the batch, once every entry of it was routed

Several coordinators share the group: each entry goes to one of them; an entry whose
coordinator died stays pending and is claimed by a live one, whose routing of it is a no-op
for every target already reached. So no message is lost or doubled.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import Any

import anyio
import msgspec
from anyio.abc import TaskStatus
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from coordinator.balancing import Balancer
from coordinator.options import CoordinatorOptions
from coordinator.routing import (
    Router,
    dead_letter,
    deliver,
    inbox_fields,
    queue_key,
    route_marker,
)
from coordinator.tasks import Delegations
from swarm.bus import (
    AgentRecord,
    BusCommand,
    Redis,
    decode_command,
    ensure_group,
    group_id,
    group_members,
    is_nogroup,
    keys,
    list_agents,
    live_workers,
    text_fields,
)
from swarm.errors import ProtocolError, StoreError
from swarm.ids import derived_id, is_uuid, string_to_uuid
from swarm.memory import MemoryStore
from swarm.types import now_ms

__all__ = ["Coordinator", "RecipientFilter"]

log = logging.getLogger("swarm.coordinator")

BACKOFF_INITIAL_S = 0.1
"""First wait after a lost Redis connection."""
BACKOFF_MAX_S = 5.0
"""Longest wait between reconnect attempts."""
_TRANSIENT = (RedisConnectionError, RedisTimeoutError, OSError)
_CLAIM_MIN_IDLE_MS = 500
"""A dead coordinator's entry is claimed only this long after its delivery (race-free claim)."""

RecipientFilter = Callable[[BusCommand, Sequence[AgentRecord]], Awaitable[list[AgentRecord]]]
"""Narrows a broadcast's recipients to a room's agents or a tag's (needs the store)."""


class Coordinator:
    """Routes the bus stream until :meth:`stop`."""

    def __init__(
        self,
        redis: Redis,
        options: CoordinatorOptions | None = None,
        *,
        recipients: RecipientFilter | None = None,
        store: MemoryStore | None = None,
    ) -> None:
        self.options = options or CoordinatorOptions()
        self.state = "starting"
        self.routed = 0
        self.dead = 0
        self._redis = redis
        self._me = self.options.coordinator_id
        self._router = Router(redis, self.options.marker_ttl_s)
        self._balancer = Balancer(redis, self.options.replica_strategy, self.options.marker_ttl_s)
        self._live: dict[str, int] | None = None  # live workers per agent, read once a batch
        self._recipients = recipients
        self.tasks = Delegations(redis, store, self._router, result_ttl_s=self.options.result_ttl_s)
        self._stopping = anyio.Event()
        self._read_scope: anyio.CancelScope | None = None

    @property
    def coordinator_id(self) -> str:
        """This coordinator's consumer name in the bus group."""
        return self._me

    def health(self) -> dict[str, object]:
        """What ``GET /health`` reports."""
        return {
            "status": "ok" if self.state == "running" else self.state,
            "coordinator": self._me,
            "routed": self.routed,
            "dead_letters": self.dead,
        }

    def metrics(self) -> bytes:
        """Prometheus text for ``GET /metrics``."""
        return (
            "# TYPE swarm_coordinator_routed_total counter\n"
            f"swarm_coordinator_routed_total {self.routed}\n"
            "# TYPE swarm_coordinator_dead_letters_total counter\n"
            f"swarm_coordinator_dead_letters_total {self.dead}\n"
        ).encode()

    def stop(self) -> None:
        """Stop reading; the batch in hand is routed and acked, then :meth:`run` returns."""
        if self._stopping.is_set():
            return
        log.info("coordinator %s draining", self._me)
        self.state = "draining"
        self._stopping.set()
        if self._read_scope is not None:
            self._read_scope.cancel()

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Route until stopped; reports readiness once the group exists and presence is set."""
        delay = BACKOFF_INITIAL_S
        while not self._stopping.is_set():
            try:
                await ensure_group(self._redis, keys.bus_stream(), keys.COORDINATOR_GROUP)
                await self._beat()
                break
            except _TRANSIENT as exc:
                log.warning("redis unreachable at start (%s); retrying", type(exc).__name__)
                await self._pause(delay)
                delay = min(delay * 2, BACKOFF_MAX_S)
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._heartbeat_loop)
                if not self._stopping.is_set():
                    self.state = "running"
                log.info("coordinator %s routing %s", self._me, keys.bus_stream())
                task_status.started()
                await self._consume()
                tg.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(2), suppress(*_TRANSIENT):
                await self._redis.delete(keys.coordinator_presence(self._me))
            self.state = "stopped"
            log.info("coordinator %s stopped", self._me)

    async def _pause(self, delay_s: float) -> None:
        with anyio.move_on_after(delay_s):
            await self._stopping.wait()

    # -- background -------------------------------------------------------------------

    async def _beat(self) -> None:
        payload = msgspec.json.encode({"coordinator": self._me, "at": now_ms()})
        await self._redis.set(
            keys.coordinator_presence(self._me),
            payload,
            px=int(self.options.presence_ttl_s * 1000),
        )

    async def _heartbeat_loop(self) -> None:
        while True:
            try:
                await self._beat()
            except _TRANSIENT as exc:
                log.warning("heartbeat failed (%s); will retry", type(exc).__name__)
            await anyio.sleep(self.options.heartbeat_s)

    # -- the loop ---------------------------------------------------------------------

    async def _consume(self) -> None:
        delay = BACKOFF_INITIAL_S
        next_reclaim = 0.0
        next_flush = 0.0
        next_sweep = 0.0
        while not self._stopping.is_set():
            try:
                now = anyio.current_time()
                if now >= next_reclaim:
                    next_reclaim = now + self.options.reclaim_every_s
                    claimed = await self._reclaim()
                    if claimed:
                        await self._route_batch(claimed)
                if now >= next_flush:
                    next_flush = now + self.options.flush_every_s
                    await self.flush_queues()
                if now >= next_sweep:
                    next_sweep = now + self.options.task_sweep_every_s
                    await self._sweep()
                entries = await self._read()
                if entries:
                    await self._route_batch(entries)
                delay = BACKOFF_INITIAL_S
            except _TRANSIENT as exc:
                log.warning("redis connection lost (%s: %s); reconnecting", type(exc).__name__, exc)
                await self._pause(delay)
                delay = min(delay * 2, BACKOFF_MAX_S)
            except ResponseError as exc:
                if not is_nogroup(exc):
                    raise
                log.warning("bus group missing (%s); recreating", exc)
                with suppress(*_TRANSIENT):
                    await ensure_group(self._redis, keys.bus_stream(), keys.COORDINATOR_GROUP)

    async def _sweep(self) -> None:
        with anyio.CancelScope(shield=True):
            try:
                await self.tasks.sweep()
            except StoreError as exc:
                log.warning("task sweep failed (%s); will retry", exc)

    async def _read(self) -> list[tuple[str, dict[bytes, bytes]]]:
        response: Any = None
        with anyio.CancelScope() as scope:
            self._read_scope = scope
            if self._stopping.is_set():
                scope.cancel()
            else:
                response = await self._redis.xreadgroup(
                    keys.COORDINATOR_GROUP,
                    self._me,
                    {keys.bus_stream(): ">"},
                    count=self.options.batch_size,
                    block=self.options.block_ms,
                )
        self._read_scope = None
        if scope.cancelled_caught or not response:
            return []
        return [(eid.decode(), fields or {}) for _, items in response for eid, fields in items]

    async def _reclaim(self) -> list[tuple[str, dict[bytes, bytes]]]:
        """Claim the pending bus entries of coordinators whose presence key is gone."""
        rows: Any = await self._redis.xpending_range(
            keys.bus_stream(), keys.COORDINATOR_GROUP, "-", "+", 10_000
        )
        owners = sorted({row["consumer"].decode() for row in rows} - {self._me})
        if not owners:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for name in owners:
            pipe.exists(keys.coordinator_presence(name))
        alive = {n for n, found in zip(owners, await pipe.execute(), strict=True) if found}
        dead_ids = [
            row["message_id"] for row in rows if row["consumer"].decode() not in alive | {self._me}
        ]
        if not dead_ids:
            return []
        claimed: Any = await self._redis.xclaim(
            keys.bus_stream(), keys.COORDINATOR_GROUP, self._me, _CLAIM_MIN_IDLE_MS, dead_ids
        )
        out = [(eid.decode(), fields or {}) for eid, fields in claimed if eid is not None]
        if out:
            log.info("reclaimed %d bus entries of dead coordinators", len(out))
        return out

    async def _route_batch(self, entries: list[tuple[str, dict[bytes, bytes]]]) -> None:
        # Shielded: a drain never leaves a batch half-routed and unacked for no reason.
        with anyio.CancelScope(shield=True):
            agents = await list_agents(self._redis)
            self._live = None
            for entry_id, fields in entries:
                await self._route_entry(entry_id, fields, agents)
            await self._redis.xack(
                keys.bus_stream(), keys.COORDINATOR_GROUP, *[e for e, _ in entries]
            )

    async def _route_entry(
        self, entry_id: str, fields: dict[bytes, bytes], agents: list[AgentRecord]
    ) -> None:
        try:
            command = decode_command(fields)
        except ProtocolError as exc:
            await self._bus_dead(entry_id, fields, f"undecodable: {exc}")
            return
        message_id = command.message_id or derived_id("bus", entry_id)
        if command.hops > self.options.max_hops:
            await self._bus_dead(
                entry_id,
                fields,
                f"hop limit: {command.hops} agent-to-agent hops exceed {self.options.max_hops}; "
                "the conversation was stopped",
            )
            return
        expires_at = command.expires_at
        if expires_at is not None and expires_at < now_ms():
            await self._bus_dead(entry_id, fields, f"expired: ttl {command.ttl_ms} ms passed")
            return
        if command.kind == "send":
            await self._send(entry_id, fields, command, message_id, agents)
        elif command.kind == "delegate":
            try:
                await self.tasks.start(command, message_id, agents)
            except StoreError as exc:
                # Acked all the same: the requester gets the reason instead of a silent wait.
                log.error("delegation %s failed in the store: %s", message_id, exc)
                await self.tasks.report(command, message_id, f"the memory store failed: {exc}")
            self.routed += 1
        else:
            await self._broadcast(command, message_id, agents)

    async def _send(
        self,
        entry_id: str,
        fields: dict[bytes, bytes],
        command: BusCommand,
        message_id: str,
        agents: list[AgentRecord],
    ) -> None:
        target = _find(agents, command.to)
        group = _group(agents, command.to) if target is None else None
        if group is not None:
            if await self._redis.xlen(queue_key(group)):  # queued earlier: nothing overtakes
                await self.queue(msgspec.structs.replace(command, to=group), message_id)
                return
            target = await self._pick(group, agents, message_id, command.room)
        if target is not None:
            await deliver(self._router, target, command, message_id)
            self.routed += 1
            return
        if is_uuid(command.to):
            await self._bus_dead(
                entry_id,
                fields,
                f"unknown agent id {command.to}: send to a name to queue it until it registers",
            )
            return
        await self.queue(command, message_id)

    async def _pick(
        self, group: str, agents: list[AgentRecord], message_id: str, room: str | None
    ) -> AgentRecord | None:
        if self._live is None:
            self._live = await live_workers(self._redis)
        members = group_members(agents, group)
        return await self._balancer.pick(group, members, message_id, room, self._live)

    async def queue(self, command: BusCommand, message_id: str) -> None:
        """Hold a message for a name nobody registered yet; it moves in order when one does."""
        name = command.to
        await self._router.deliver(
            route_marker(string_to_uuid(name), message_id),
            queue_key(name),
            inbox_fields(command, message_id),
        )
        # After the XADD: a flush that saw the queue empty and dropped the name sees it again.
        await self._redis.sadd(keys.queued_names(), name)
        self.routed += 1
        log.info("queued a message for %r, which is not registered yet", name)

    async def _broadcast(
        self, command: BusCommand, message_id: str, agents: list[AgentRecord]
    ) -> None:
        recipients = [a for a in agents if a.id != command.sender]
        if (command.target_room or command.tag) and self._recipients is not None:
            recipients = await self._recipients(command, recipients)
        for record in recipients:
            await deliver(self._router, record, command, message_id)
        self.routed += len(recipients)

    async def flush_queues(self) -> int:
        """Move queued messages of registered names into their inboxes, in order."""
        names = sorted(_text(n) for n in await self._redis.smembers(keys.queued_names()))
        if not names:
            return 0
        agents = await list_agents(self._redis)
        self._live = None
        moved = 0
        for name in names:
            record = _find(agents, name)
            if record is None and _group(agents, name) is None:
                continue
            moved += await self._flush(name, record, agents)
        return moved

    async def _flush(self, name: str, fixed: AgentRecord | None, agents: list[AgentRecord]) -> int:
        """Move ``name``'s queue into ``fixed``'s inbox, or each message to a replica."""
        queue = queue_key(name)
        moved = 0
        while True:
            items: Any = await self._redis.xrange(queue, "-", "+", count=100)
            if not items:
                break
            for entry_id, raw in items:
                fields = text_fields(raw)
                message_id = fields.get("id") or derived_id("queued", entry_id.decode())
                record = fixed or await self._pick(
                    name, agents, "moved:" + message_id, fields.get("room")
                )
                if record is None:  # every replica was scaled away: keep the rest queued
                    return moved
                expires_at = fields.get("expires_at")
                if expires_at and int(expires_at) < now_ms():
                    await dead_letter(
                        self._redis,
                        keys.dead_letters(record.id),
                        source=queue,
                        entry_id=entry_id.decode(),
                        agent_id=record.id,
                        error=f"expired: its ttl passed before agent {name!r} came online",
                        fields=fields,
                        worker=self._me,
                    )
                    self.dead += 1
                else:
                    await self._router.deliver(
                        route_marker(record.id, "moved:" + message_id), record.inbox, fields
                    )
                    moved += 1
                await self._redis.xdel(queue, entry_id)
        await self._redis.srem(keys.queued_names(), name)
        if await self._redis.xlen(queue):  # a message queued meanwhile: keep the name listed
            await self._redis.sadd(keys.queued_names(), name)
        if moved:
            log.info("moved %d queued messages into %s's inbox", moved, name)
        return moved

    async def _bus_dead(self, entry_id: str, raw: dict[bytes, bytes], error: str) -> None:
        fields = {
            k.decode(errors="backslashreplace"): v.decode(errors="backslashreplace")
            for k, v in raw.items()
        }
        await dead_letter(
            self._redis,
            keys.bus_dead_letters(),
            source=keys.bus_stream(),
            entry_id=entry_id,
            agent_id=fields.get("to", ""),
            error=error,
            fields=fields,
            worker=self._me,
        )
        self.dead += 1
        log.warning("bus entry %s dead-lettered: %s", entry_id, error)


def _find(agents: Sequence[AgentRecord], to: str) -> AgentRecord | None:
    for record in agents:
        if record.name == to or record.id == to:
            return record
    return None


def _group(agents: Sequence[AgentRecord], to: str) -> str | None:
    """The replica group addressed by ``to`` (its name or its id), if any replica is registered."""
    for record in agents:
        if record.group is not None and to in (record.group, group_id(record.group)):
            return record.group
    return None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value

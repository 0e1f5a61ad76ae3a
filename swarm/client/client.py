"""``SwarmClient``: talk to agents over Redis Streams from Python (async)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from types import TracebackType
from typing import Any, Literal, overload

import anyio
import msgspec

from swarm.bus import (
    TASK_STATUS_FIELD,
    AgentStatus,
    BusCommand,
    Redis,
    Reply,
    agent_statuses,
    connect,
    decode_reply,
    delegate,
    encode_message,
    group_id,
    group_members,
    keys,
    list_agents,
    live_workers,
    publish,
    resolve_agent,
    retire_replicas,
    routable_replicas,
)
from swarm.errors import (
    DeliveryTimeoutError,
    PermissionDeniedError,
    ProtocolError,
    SwarmError,
    UnknownAgentError,
)
from swarm.hierarchy import Permissions, TaskResult
from swarm.ids import derived_id, is_uuid
from swarm.types import Content, now_ms

__all__ = ["DEFAULT_TIMEOUT_S", "SwarmClient"]

DEFAULT_TIMEOUT_S = 30.0
_POLL_MS = 1000  # longest single XREAD wait; the deadline is checked between waits


class SwarmClient:
    """An async client for a swarm fleet on the Redis at ``redis_url``.

    Use as ``async with SwarmClient(url) as client: reply = await client.send("ada", "hi")``.
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        redis: Redis | None = None,
        sender: str = "user",
        owns_redis: bool | None = None,
    ) -> None:
        if redis is None and redis_url is None:
            raise SwarmError("SwarmClient needs a redis_url (or a redis client)")
        self._redis = redis if redis is not None else connect(redis_url or "")
        # A client it made is closed with it; a given one only when owns_redis says so.
        self._owns_redis = redis is None if owns_redis is None else owns_redis
        self._sender = sender
        self._closed = False

    async def __aenter__(self) -> SwarmClient:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the connections (when the client created them); the client is then done."""
        if not self._closed and self._owns_redis:
            await self._redis.aclose()
        self._closed = True

    @property
    def redis(self) -> Redis:
        """The connection this client talks through (shared: closing it is the owner's job)."""
        return self._redis

    async def ping(self) -> None:
        """One round trip to Redis; raises redis' ConnectionError/TimeoutError when it is down."""
        self._check_open()
        await self._redis.ping()

    def _check_open(self) -> None:
        if self._closed:
            raise SwarmError("this SwarmClient is closed; create a new one")

    async def agents(self) -> list[AgentStatus]:
        """Every registered agent: name, id, inbox, status, live workers, queued, processed,
        parent (and names with queued messages that nobody registered yet)."""
        self._check_open()
        return await agent_statuses(self._redis)

    async def broadcast(
        self,
        text: str,
        *,
        room: str | None = None,
        target_room: str | None = None,
        tag: str | None = None,
        ttl_s: float | None = None,
    ) -> str:
        """Ask the coordinator to deliver ``text`` to every agent (or a room's, or a tag's).

        Each recipient gets it once. Returns the message id (the same in every inbox).
        """
        self._check_open()
        message_id = str(uuid.uuid4())
        await publish(
            self._redis,
            BusCommand(
                kind="broadcast",
                text=text,
                message_id=message_id,
                room=room,
                target_room=target_room,
                tag=tag,
                ttl_ms=int(ttl_s * 1000) if ttl_s is not None else None,
                sent_at=now_ms(),
            ),
        )
        return message_id

    async def route(
        self, to: str, text: str, room: str | None = None, *, ttl_s: float | None = None
    ) -> str:
        """Send through the coordinator: a name nobody registered yet is queued until it is.

        Returns the message id; messages past ``ttl_s`` undelivered are dead-lettered.
        """
        self._check_open()
        message_id = str(uuid.uuid4())
        await publish(
            self._redis,
            BusCommand(
                kind="send",
                to=to,
                text=text,
                message_id=message_id,
                room=room,
                ttl_ms=int(ttl_s * 1000) if ttl_s is not None else None,
                sent_at=now_ms(),
            ),
        )
        return message_id

    async def delegate(
        self,
        parent: str,
        child: str,
        text: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109  # the documented API
    ) -> TaskResult:
        """Have ``child`` do ``text`` on behalf of its parent ``parent`` (names or ids).

        Goes through the coordinator, which refuses ("No authority over this agent") unless
        ``child`` is ``parent``'s child, and tracks the task row. Never hangs: the result's
        ``status`` is ``done``, ``refused``, ``failed`` (a crashed child too) or
        ``timed_out``.
        """
        self._check_open()
        return await delegate(self._redis, parent, child, text, timeout_s=timeout)

    async def create_child(
        self,
        parent: str,
        character: Mapping[str, Any],
        *,
        permissions: Permissions | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109  # the documented API
    ) -> str:
        """Ask a live worker hosting ``parent`` to create and host child ``character``.

        ``character`` is an elizaOS character (a JSON object). Returns the child's id;
        raises PermissionDeniedError when the parent may not create children, SwarmError
        when the request fails, DeliveryTimeoutError when no worker answered in time.
        """
        metadata = {
            "control": "create_child",
            "character": dict(character),
            "permissions": msgspec.to_builtins(permissions or Permissions()),
        }
        reply = await self.send(parent, "create child", timeout=timeout, metadata=metadata)
        error = reply.content.data.get("error") or reply.error
        if error:
            if reply.content.data.get(TASK_STATUS_FIELD) == "refused" or "No authority" in error:
                raise PermissionDeniedError(str(error))
            raise SwarmError(f"creating a child of {parent!r} failed: {error}")
        return reply.text

    async def scale_up(
        self,
        group: str,
        count: int = 1,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109  # the documented API
    ) -> list[str]:
        """Have a live worker hosting replica group ``group`` host ``count`` more replicas.

        Returns the new replicas' names; they receive the group's messages at once. Raises
        SwarmError when no live worker hosts the group or the worker refused.
        """
        self._check_open()
        members = group_members(await list_agents(self._redis), group)
        live = await live_workers(self._redis)
        host = next((m for m in members if live.get(m.id)), None)
        if host is None:
            raise SwarmError(
                f"no live worker hosts a replica of {group!r}; start one with "
                f"`swarm worker --replicas N --characters ...`"
            )
        metadata = {"control": "scale_up", "count": count}
        reply = await self.send(host.name, "scale up", timeout=timeout, metadata=metadata)
        error = reply.content.data.get("error") or reply.error
        if error:
            raise SwarmError(f"scaling {group!r} up failed: {error}")
        return [str(n) for n in reply.content.data.get("replicas", [])]

    async def scale_down(self, group: str, count: int = 1) -> list[str]:
        """Stop routing ``group``'s messages to its ``count`` highest-numbered replicas.

        Nothing is lost: their workers keep serving what is already in their inboxes. Returns
        the retired names; a group keeps at least one routable replica.
        """
        self._check_open()
        routable = await routable_replicas(self._redis, group)
        if count < 1 or count >= len(routable):
            raise SwarmError(
                f"cannot scale {group!r} down by {count}: it has {len(routable)} routable "
                "replica(s) and keeps at least one; pass 1.." + str(max(len(routable) - 1, 0))
            )
        retired = routable[-count:]
        await retire_replicas(self._redis, group, retired)
        return retired

    async def scale(
        self,
        group: str,
        replicas: int,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109  # the documented API
    ) -> list[str]:
        """Give replica group ``group`` exactly ``replicas`` routable replicas (scale up or
        down as needed); returns the routable replicas' names afterwards."""
        self._check_open()
        if replicas < 1:
            raise SwarmError(f"a replica group keeps at least one replica; got {replicas}")
        current = await routable_replicas(self._redis, group)
        if not current:
            raise UnknownAgentError(
                f"no replica group named {group!r}; start one with "
                "`swarm worker --replicas N --characters ...`"
            )
        if replicas > len(current):
            await self.scale_up(group, replicas - len(current), timeout=timeout)
        elif replicas < len(current):
            await self.scale_down(group, len(current) - replicas)
        return await routable_replicas(self._redis, group)

    @overload
    async def send(
        self,
        to: str,
        text: str,
        room: str | None = ...,
        *,
        wait: Literal[True] = ...,
        timeout: float = ...,  # noqa: ASYNC109
        content: Content | None = ...,
        metadata: Mapping[str, Any] | None = ...,
        message_id: str | None = ...,
    ) -> Reply: ...

    @overload
    async def send(
        self,
        to: str,
        text: str,
        room: str | None = ...,
        *,
        wait: Literal[False],
        timeout: float = ...,  # noqa: ASYNC109
        content: Content | None = ...,
        metadata: Mapping[str, Any] | None = ...,
        message_id: str | None = ...,
    ) -> str: ...

    async def send(
        self,
        to: str,
        text: str,
        room: str | None = None,
        *,
        wait: bool = True,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109  # the documented API
        content: Content | None = None,
        metadata: Mapping[str, Any] | None = None,
        message_id: str | None = None,
    ) -> Reply | str:
        """Send ``text`` to agent ``to`` (name or id); return its reply, or the message id.

        ``message_id`` (a UUID) makes a retried send idempotent: the agent answers the same
        id once, and a repeat is answered from its store. Without it, the message id derives
        from the inbox entry, and each call is a new message.

        The reply's ``kind`` is ``"reply"``, or ``"error"`` when the message was
        dead-lettered (``reply.error`` says why). Raises UnknownAgentError for an agent
        nobody registered and DeliveryTimeoutError when no reply came within ``timeout``.
        """
        if not wait:
            sent_id, _ = await self._post(
                to, text, room, content, metadata, partials=False, message_id=message_id
            )
            return sent_id
        exchange = self._exchange(to, text, room, timeout, content, metadata, False, message_id)
        async with aclosing(exchange):  # its reply stream is deleted now, not when collected
            async for reply in exchange:
                return reply
        raise AssertionError("unreachable: _exchange yields a final reply or raises")

    async def stream(
        self,
        to: str,
        text: str,
        room: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109  # the documented API
        content: Content | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Reply]:
        """Send a message and yield its partial responses, then the final reply."""
        exchange = self._exchange(to, text, room, timeout, content, metadata, True)
        async with aclosing(exchange):
            async for reply in exchange:
                yield reply

    async def _post(
        self,
        to: str,
        text: str,
        room: str | None,
        content: Content | None,
        metadata: Mapping[str, Any] | None,
        *,
        partials: bool,
        reply_to: bool = False,
        message_id: str | None = None,
    ) -> tuple[str, str | None]:
        self._check_open()
        if message_id is not None and not is_uuid(message_id):
            raise ProtocolError(
                f"message id {message_id[:60]!r} is not a UUID; omit it or send one"
            )
        try:
            agent = await resolve_agent(self._redis, to)
        except UnknownAgentError:
            group = await self._group(to)
            if group is None:
                raise
            return await self._post_group(group, text, room, metadata, reply_to, message_id)
        # No id of ours: the worker derives it from the entry id (and, knowing the entry to
        # be new, skips looking for an earlier answer).
        token = message_id or str(uuid.uuid4())
        stream = keys.reply_stream(agent.id, token) if reply_to else None
        fields = encode_message(
            text=text,
            message_id=message_id,
            room=room,
            reply_to=stream,
            sender=self._sender,
            content=content,
            metadata=metadata,
            partials=partials,
            sent_at=now_ms(),
        )
        entry_id = await self._redis.xadd(agent.inbox, fields)  # type: ignore[arg-type]
        if message_id is None:
            entry = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            message_id = derived_id("entry", agent.id, entry)
        return message_id, stream

    async def _group(self, to: str) -> str | None:
        for record in await list_agents(self._redis):
            if record.group is not None and to in (record.group, group_id(record.group)):
                return record.group
        return None

    async def _post_group(
        self,
        group: str,
        text: str,
        room: str | None,
        metadata: Mapping[str, Any] | None,
        reply_to: bool,
        message_id: str | None,
    ) -> tuple[str, str | None]:
        """A replica group is reached through the coordinator, which picks the replica."""
        message_id = message_id or str(uuid.uuid4())
        stream = keys.reply_stream(group_id(group), message_id) if reply_to else None
        command = BusCommand(
            kind="send",
            to=group,
            text=text,
            message_id=message_id,
            room=room,
            reply_to=stream,
            metadata=dict(metadata or {}),
            sent_at=now_ms(),
        )
        await publish(self._redis, command)
        return message_id, stream

    async def _exchange(
        self,
        to: str,
        text: str,
        room: str | None,
        timeout: float,  # noqa: ASYNC109
        content: Content | None,
        metadata: Mapping[str, Any] | None,
        partials: bool,
        message_id: str | None = None,
    ) -> AsyncGenerator[Reply, None]:
        message_id, stream = await self._post(
            to,
            text,
            room,
            content,
            metadata,
            partials=partials,
            reply_to=True,
            message_id=message_id,
        )
        assert stream is not None
        deadline = anyio.current_time() + timeout
        last_id = "0"
        try:
            while True:
                remaining_ms = int((deadline - anyio.current_time()) * 1000)
                if remaining_ms <= 0:
                    raise DeliveryTimeoutError(
                        f"no reply from {to!r} within {timeout:g}s (message {message_id}); "
                        "it stays queued: check that a worker hosts this agent "
                        "(`swarm agents`) or raise the timeout"
                    )
                found: Any = await self._redis.xread(
                    {stream: last_id}, count=100, block=max(1, min(remaining_ms, _POLL_MS))
                )
                for _, items in found or []:
                    for entry_id, fields in items:
                        last_id = entry_id.decode()
                        try:
                            reply = decode_reply(fields)
                        except ProtocolError:
                            continue  # not ours to judge; the worker writes valid replies
                        if reply.message_id != message_id:
                            continue
                        if reply.kind == "partial":
                            if partials:
                                yield reply
                            continue
                        yield reply
                        return
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(1):
                await self._redis.delete(stream)

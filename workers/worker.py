"""One worker process's stream loop: read, handle in room order, commit per batch.

The loop, one iteration per batch::

    reclaim due?  -> entries of dead workers / our failed ones (each claim is a delivery)
    else          -> XREADGROUP over every hosted inbox (COUNT = batch_size: backpressure)
    decode        -> undecodable or over max_deliveries: dead letter
    order         -> entries behind an older pending entry of their room wait (deferred)
    handle        -> rooms in parallel up to `concurrency`, each room's messages in order
    commit        -> handler.persist(all outcomes) once, then ONE pipeline: replies, dead
                     letters, XACKs (shielded: a drain never loses a finished batch)

A heartbeat task refreshes the presence key meanwhile; its absence is what lets live workers
reclaim this worker's entries after a crash.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import Any

import anyio
import msgspec
from anyio.abc import TaskStatus
from redis.exceptions import ResponseError

from swarm.bus import (
    TRANSIENT_ERRORS,
    AgentRecord,
    Message,
    Redis,
    Reply,
    decode_message,
    encode_reply,
    is_nogroup,
    keys,
    register_agent,
)
from swarm.errors import ProtocolError
from swarm.types import Content, now_ms
from workers.commit import Dead, Done, Failed, already_written, batch_pipeline
from workers.entries import Entry, id_key
from workers.handler import Handler
from workers.metrics import WorkerMetrics
from workers.options import WorkerOptions
from workers.pending import SCAN_LIMIT, PendingRows, RoomIndex, split_runnable
from workers.read_plan import slot_groups, sweep
from workers.upkeep import reclaim, trim

__all__ = ["Worker"]

log = logging.getLogger("swarm.worker")

BACKOFF_INITIAL_S = 0.1
"""First wait after a lost Redis connection."""
BACKOFF_MAX_S = 5.0
"""Longest wait between reconnect attempts: a restarted Redis is noticed within this."""
DEFERRED_BLOCK_MS = 50
"""Read timeout while entries wait for an older entry of their room held elsewhere."""
_TRANSIENT = TRANSIENT_ERRORS


class _Backoff:
    """Doubling waits between BACKOFF_INITIAL_S and BACKOFF_MAX_S, cut short by a stop."""

    def __init__(self, stopping: anyio.Event) -> None:
        self._stopping = stopping
        self._delay_s = BACKOFF_INITIAL_S

    def reset(self) -> None:
        self._delay_s = BACKOFF_INITIAL_S

    async def wait(self) -> None:
        with anyio.move_on_after(self._delay_s):
            await self._stopping.wait()
        self._delay_s = min(self._delay_s * 2, BACKOFF_MAX_S)


class _Partials:
    """The PartialSink of one message: XADDs partials to its reply stream, numbered."""

    def __init__(self, redis: Redis, entry: Entry) -> None:
        self._redis = redis
        self._entry = entry
        self.count = 0

    async def __call__(self, content: Content) -> None:
        message = self._entry.message
        if message is None or not message.reply_to or not message.partials:
            return
        reply = Reply(
            kind="partial",
            message_id=message.id,
            agent_id=message.agent_id,
            room_id=message.room_id,
            content=content,
            seq=self.count,
        )
        self.count += 1
        await self._redis.xadd(message.reply_to, encode_reply(reply))  # type: ignore[arg-type]


class Worker:
    """Serves the inboxes of registered ``agents`` with ``handler`` until :meth:`stop`."""

    def __init__(
        self,
        redis: Redis,
        handler: Handler,
        agents: Sequence[AgentRecord],
        options: WorkerOptions | None = None,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        if not agents:
            raise ValueError("a worker needs at least one agent to serve")
        self.options = options or WorkerOptions()
        self.metrics = metrics or WorkerMetrics()
        self.state = "starting"
        self._redis = redis
        self._handler = handler
        self._prepare: Callable[[list[Message]], Awaitable[None]] | None = getattr(
            handler, "prepare", None
        )
        self._agents = list(agents)
        self._inboxes = {agent.inbox: agent.id for agent in agents}
        self._read_groups = slot_groups(redis, list(self._inboxes))  # >1 only on a cluster
        self._me = self.options.worker_id
        self._stopping = anyio.Event()
        self._read_scope: anyio.CancelScope | None = None
        self._work_scope: anyio.CancelScope | None = None
        self._deferred: list[Entry] = []
        self._rooms = RoomIndex()
        self._limiter = anyio.CapacityLimiter(self.options.concurrency)

    @property
    def worker_id(self) -> str:
        """This worker's consumer name in every inbox group."""
        return self._me

    def health(self) -> dict[str, object]:
        """What ``GET /health`` reports."""
        return {
            "status": "ok" if self.state == "running" else self.state,
            "worker": self._me,
            "agents": len(self._inboxes),
            "deferred": len(self._deferred),
        }

    async def add_agent(self, agent: AgentRecord) -> None:
        """Serve one more registered agent (a child created at run time) from the next read.

        Its group exists (registration creates it at id 0), so nothing sent to it before
        this call is missed; the presence key lists it at once, for the coordinator.
        """
        if agent.inbox in self._inboxes:
            return
        self._agents.append(agent)
        self._inboxes[agent.inbox] = agent.id
        self._read_groups = slot_groups(self._redis, list(self._inboxes))
        await self._beat()
        log.info("worker %s now serves %s too", self._me, agent.name)

    def stop(self) -> None:
        """Stop reading, let in-flight work finish up to ``drain_timeout_s``, commit, return."""
        if self._stopping.is_set():
            return
        log.info("worker %s draining (up to %.1fs)", self._me, self.options.drain_timeout_s)
        self.state = "draining"
        self._stopping.set()
        if self._read_scope is not None:
            self._read_scope.cancel()
        if self._work_scope is not None:
            self._work_scope.deadline = anyio.current_time() + self.options.drain_timeout_s

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Serve until stopped; reports readiness once groups exist and presence is set."""
        backoff = _Backoff(self._stopping)
        while not self._stopping.is_set():
            try:
                await self._register()
                await self._beat()
                break
            except _TRANSIENT as exc:
                log.warning("redis unreachable at start (%s); retrying", type(exc).__name__)
                await backoff.wait()
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._heartbeat_loop)
                self.state = "running" if not self._stopping.is_set() else self.state
                log.info("worker %s serving %d agents", self._me, len(self._inboxes))
                task_status.started()
                await self._consume()
                tg.cancel_scope.cancel()
        finally:
            # Shielded: a stopped worker's entries are reclaimable at once; else the key expires.
            with anyio.CancelScope(shield=True), anyio.move_on_after(2), suppress(*_TRANSIENT):
                await self._redis.delete(keys.presence(self._me))
            self.state = "stopped"
            log.info("worker %s stopped", self._me)

    # -- background -------------------------------------------------------------------

    async def _beat(self) -> None:
        payload = msgspec.json.encode(
            {"worker": self._me, "agents": sorted(self._inboxes.values()), "at": now_ms()}
        )
        await self._redis.set(
            keys.presence(self._me), payload, px=int(self.options.presence_ttl_s * 1000)
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
        backoff = _Backoff(self._stopping)
        next_reclaim = 0.0
        next_trim = anyio.current_time() + self.options.trim_every_s
        while not self._stopping.is_set():
            try:
                entries: list[Entry] = []
                now = anyio.current_time()
                if now >= next_reclaim:
                    next_reclaim = now + self.options.reclaim_every_s
                    entries = await self._reclaim()
                if now >= next_trim:
                    next_trim = now + self.options.trim_every_s
                    await self._trim()
                pending: PendingRows | None = None
                if not entries:
                    entries, pending = await self._read()
                entries = self._deferred + entries
                self._deferred = []
                if entries:
                    await self._process(entries, pending)
                backoff.reset()
            except _TRANSIENT as exc:
                self.metrics.reconnects.inc()
                log.warning("redis connection lost (%s: %s); reconnecting", type(exc).__name__, exc)
                await backoff.wait()
            except ResponseError as exc:
                if not is_nogroup(exc):
                    raise
                log.warning("consumer group missing (%s); recreating", exc)
                await self._recreate_groups(backoff)

    async def _register(self) -> None:
        """(Re-)register every hosted agent: registry entry plus inbox group at id 0."""
        for agent in self._agents:
            await register_agent(self._redis, agent.name, agent.id)

    async def _recreate_groups(self, backoff: _Backoff) -> None:
        try:
            await self._register()
        except _TRANSIENT:
            await backoff.wait()

    async def _read(self) -> tuple[list[Entry], PendingRows | None]:
        """New entries, plus every inbox's pending list as it stood right after the read.

        Both travel in one pipeline: Redis runs the XPENDINGs once the blocking XREADGROUP
        returns, which saves the ordering check a round trip per batch.
        """
        block_ms = DEFERRED_BLOCK_MS if self._deferred else self.options.block_ms
        response: Any = None
        inboxes = list(self._inboxes)
        with anyio.CancelScope() as scope:
            self._read_scope = scope
            if self._stopping.is_set():
                scope.cancel()
            elif len(self._deferred) >= self.options.batch_size:
                # Backpressure: a full batch waits on other workers; read nothing more.
                await anyio.sleep(DEFERRED_BLOCK_MS / 1000)
            elif len(self._read_groups) > 1:  # Redis Cluster: slot by slot
                groups, size = self._read_groups, self.options.batch_size
                response, inboxes = await sweep(self._redis, groups, self._me, size, block_ms)
            else:
                pipe = self._redis.pipeline(transaction=False)
                pipe.xreadgroup(
                    keys.WORKER_GROUP,
                    self._me,
                    dict.fromkeys(inboxes, ">"),
                    count=self.options.batch_size,
                    block=block_ms,
                )
                for inbox in inboxes:
                    pipe.xpending_range(inbox, keys.WORKER_GROUP, "-", "+", SCAN_LIMIT)
                response = await pipe.execute()
        self._read_scope = None
        if scope.cancelled_caught or not response or not response[0]:
            return [], None
        entries = []
        for stream, items in response[0]:
            inbox = stream.decode()
            agent_id = self._inboxes[inbox]
            for entry_id, fields in items:
                entries.append(Entry(inbox, agent_id, entry_id.decode(), fields or {}))
        if len(response) == 1:
            return entries, None  # no snapshot: split_runnable reads the pending lists
        return entries, dict(zip(inboxes, response[1:], strict=True))

    async def _reclaim(self) -> list[Entry]:
        """Claim entries of dead workers, and our own failed ones that are due a retry."""
        held = {e.entry_id for e in self._deferred}
        claimed, from_dead = await reclaim(self._redis, self._inboxes, self._me, held, self.options)
        if from_dead:
            self.metrics.reclaimed.inc(from_dead)
            log.info("reclaimed %d entries of dead workers", from_dead)
        return claimed

    async def _trim(self) -> None:
        """Trim acked entries from every inbox and refresh the lag gauges."""
        for agent_id, lag in (await trim(self._redis, self._inboxes)).items():
            self.metrics.lag.labels(agent_id).set(lag)

    # -- one batch --------------------------------------------------------------------

    async def _process(self, entries: list[Entry], pending: PendingRows | None) -> None:
        dead: list[Dead] = []  # (entry, error, attempts)
        decoded: list[Entry] = []
        over = [e for e in entries if e.deliveries > self.options.max_deliveries]
        errors = await self._last_errors(over)
        for entry in entries:
            if entry.message is None:
                try:
                    entry.message = decode_message(
                        entry.fields,
                        agent_id=entry.agent_id,
                        entry_id=entry.entry_id,
                        deliveries=entry.deliveries,
                    )
                except ProtocolError as exc:
                    dead.append((entry, f"undecodable: {exc}", entry.deliveries))
                    continue
            expires = entry.message.expires_at  # ttl: only an entry no worker took yet expires
            if expires is not None and entry.deliveries == 1 and expires < now_ms():
                dead.append((entry, f"expired: its ttl ended at {expires} ms, unhandled", 1))
                continue
            if entry.deliveries > self.options.max_deliveries:
                reason = errors.get(entry.ref) or "failed without a recorded error"
                attempts = entry.deliveries - 1  # this delivery only found it over the limit
                dead.append((entry, f"{reason} (after {attempts} deliveries)", attempts))
                continue
            decoded.append(entry)
        runnable, deferred = await split_runnable(self._redis, decoded, self._rooms, pending)
        if self._prepare is not None and runnable:
            # One look-up for the batch (e.g. of stored replies) instead of one per message.
            try:
                await self._prepare([e.message for e in runnable if e.message is not None])
            except Exception as exc:
                log.warning("batch preparation failed (%s: %s)", type(exc).__name__, exc)
        lanes: dict[tuple[str, str], list[Entry]] = {}
        for entry in runnable:
            assert entry.message is not None
            lanes.setdefault((entry.inbox, entry.message.room_id), []).append(entry)
        outcomes: list[Done] = []
        failures: list[Failed] = []
        self.metrics.in_flight.set(len(runnable))
        with anyio.CancelScope() as work:
            self._work_scope = work
            if self._stopping.is_set():
                work.deadline = anyio.current_time() + self.options.drain_timeout_s
            # No more lanes than `concurrency`: each lane runs one handler call at a time, so
            # the limiter could never make one wait; skipping it saves two checkpoints a call.
            limiter = self._limiter if len(lanes) > self.options.concurrency else None
            if len(lanes) == 1:  # one room: nothing to run beside it, so no task to spawn
                (lane,) = lanes.values()
                await self._run_lane(lane, outcomes, failures, deferred, None, work)
            else:
                # asyncio's task group, not anyio's: a lane task costs ~3 µs instead of ~12
                # (anyio 4.16 wraps each in a handle with its own cancel scope), and lanes
                # are the one place the worker spawns per message. Cancelling this task
                # (the drain deadline of `work`) cancels every lane, as anyio's group would.
                async with asyncio.TaskGroup() as lanes_group:
                    for lane in lanes.values():
                        lanes_group.create_task(
                            self._run_lane(lane, outcomes, failures, deferred, limiter, work)
                        )
        self._work_scope = None
        self.metrics.in_flight.set(0)
        self._deferred = sorted(deferred, key=lambda e: id_key(e.entry_id))
        with anyio.CancelScope(shield=True):
            await self._commit(outcomes, dead, failures)

    async def _run_lane(
        self,
        lane: list[Entry],
        outcomes: list[Done],
        failures: list[Failed],
        deferred: list[Entry],
        limiter: anyio.CapacityLimiter | None,
        work: anyio.CancelScope,
    ) -> None:
        for index, entry in enumerate(lane):
            assert entry.message is not None
            if work.cancel_called:  # the drain deadline passed: the rest stays pending
                return
            partials = _Partials(self._redis, entry)
            if limiter is not None:
                await limiter.acquire()
            try:
                started = time.perf_counter()
                try:
                    outcome = await self._handler.handle(entry.message, partials)
                except Exception as exc:
                    failures.append((entry, f"{type(exc).__name__}: {exc}"))
                    deferred.extend(lane[index + 1 :])  # the room waits for its retry
                    return
                finally:
                    self.metrics.processing.observe(time.perf_counter() - started)
            finally:
                if limiter is not None:
                    limiter.release()
            outcomes.append((entry, outcome, partials.count))

    async def _last_errors(self, entries: list[Entry]) -> dict[tuple[str, str], str]:
        if not entries:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        for entry in entries:
            pipe.hget(keys.errors(entry.agent_id), entry.entry_id)
        found = await pipe.execute()
        return {e.ref: v.decode(errors="replace") for e, v in zip(entries, found, strict=True) if v}

    async def _commit(
        self,
        outcomes: list[Done],
        dead: list[Dead],
        failures: list[Failed],
    ) -> None:
        """Persist the batch once, then one pipeline of replies, dead letters and acks."""
        backoff = _Backoff(anyio.Event())  # not cut short by a stop: this is the drain
        with anyio.move_on_after(self.options.commit_timeout_s) as scope:
            while outcomes:
                try:
                    await self._handler.persist([o for _, o, _ in outcomes])
                    break
                except Exception as exc:
                    log.warning("batch persist failed (%s: %s); retrying", type(exc).__name__, exc)
                    await backoff.wait()
            backoff.reset()
            # A replayed redelivery may have been answered already (its batch died mid-way).
            check = [(e, o) for e, o, _ in outcomes if o.replayed and e.deliveries > 1]
            for attempt in itertools.count():
                try:
                    # After a lost connection the last pipeline may have been applied in
                    # part: what it already wrote is not written twice.
                    done = await already_written(self._redis, outcomes, dead, attempt > 0, check)
                    pipe = batch_pipeline(
                        self._redis,
                        self._me,
                        outcomes,
                        dead,
                        failures,
                        done,
                        self.options.reply_ttl_s,
                    )
                    await pipe.execute(raise_on_error=False)
                    break
                except _TRANSIENT as exc:
                    log.warning("batch commit failed (%s); retrying", type(exc).__name__)
                    await backoff.wait()
        if scope.cancelled_caught:
            # Nothing acked: every entry stays pending and is retried (replayed) later.
            self.metrics.failed.inc(len(outcomes) + len(failures))
            log.error("batch of %d not committed in time; it will be redelivered", len(outcomes))
            return
        self.metrics.processed.inc(len(outcomes))
        self.metrics.failed.inc(len(failures))
        for _, reason, _ in dead:
            self.metrics.dead_letters.labels(
                "undecodable" if reason.startswith("undecodable") else "max_deliveries"
            ).inc()
        if dead:
            log.warning("dead-lettered %d entries, e.g. %s", len(dead), dead[0][1])

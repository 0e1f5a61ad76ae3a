"""The write side of one batch: one non-transactional pipeline of replies, dead letters, acks.

Replies go first and the ``XACK`` last, so an entry is never acked without its reply. A
pipeline cut by a lost connection may have been applied in part; before it is sent again,
:func:`already_written` looks for what already landed, so a retry does not answer twice.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio.client import Pipeline

from swarm.bus import DeadLetter, Redis, Reply, encode_dead_letter, encode_reply, keys
from swarm.types import Content, now_ms
from workers.entries import Entry
from workers.handler import Outcome

__all__ = ["Dead", "Done", "Failed", "already_written", "batch_pipeline"]

Done = tuple[Entry, Outcome, int]
"""A handled entry, its outcome and how many partials it sent (the reply's ``seq``)."""
Dead = tuple[Entry, str, int]
"""An entry given up on, the error, and how many deliveries it had."""
Failed = tuple[Entry, str]
"""An entry whose handler raised, and the error (it stays pending for a retry)."""

TAIL_SCAN = 1000
"""How many of a stream's newest entries are searched for an earlier copy of a write."""


async def already_written(
    redis: Redis,
    outcomes: list[Done],
    dead: list[Dead],
    retry: bool,
    replays: list[tuple[Entry, Outcome]],
) -> set[tuple[str, str]]:
    """``(stream, id)`` pairs already present: replies by message id, dead letters by entry id.

    On a first attempt only ``replays`` (redelivered, already answered messages) are checked;
    on a retry, everything the batch writes.
    """
    wanted: set[tuple[str, str]] = set()
    if retry:
        wanted |= {(o.message.reply_to, o.message.id) for _, o, _ in outcomes if o.message.reply_to}
        wanted |= {(keys.dead_letters(e.agent_id), e.entry_id) for e, _, _ in dead}
    wanted |= {(o.message.reply_to, o.message.id) for _, o in replays if o.message.reply_to}
    if not wanted:
        return set()
    streams = sorted({stream for stream, _ in wanted})
    pipe = redis.pipeline(transaction=False)
    for stream in streams:
        pipe.xrevrange(stream, count=TAIL_SCAN)
    found: set[tuple[str, str]] = set()
    rows_by_stream: list[Any] = await pipe.execute(raise_on_error=False)
    for stream, rows in zip(streams, rows_by_stream, strict=True):
        if isinstance(rows, Exception):
            continue  # not a stream: the write fails again, visibly, in the pipeline
        for _, fields in rows:
            if fields.get(b"type") == b"partial":
                continue
            for name in (b"message_id", b"entry_id"):
                if name in fields:
                    found.add((stream, fields[name].decode(errors="replace")))
    return found & wanted


def batch_pipeline(
    redis: Redis,
    worker_id: str,
    outcomes: list[Done],
    dead: list[Dead],
    failures: list[Failed],
    skip: set[tuple[str, str]],
    reply_ttl_s: int,
) -> Pipeline:
    """The batch's one pipeline; writes listed in ``skip`` are left out (acks never are)."""
    pipe = redis.pipeline(transaction=False)
    acks: dict[str, list[str]] = {}
    for entry, outcome, seq in outcomes:
        message = outcome.message
        if message.reply_to and (message.reply_to, message.id) not in skip:
            reply = Reply(
                kind="reply",
                message_id=message.id,
                agent_id=message.agent_id,
                room_id=message.room_id,
                content=outcome.content or Content(),
                seq=seq,
                responded=outcome.content is not None,
                replayed=outcome.replayed,
                model=outcome.model,
            )
            pipe.xadd(message.reply_to, encode_reply(reply))  # type: ignore[arg-type]
            pipe.expire(message.reply_to, reply_ttl_s)
        acks.setdefault(entry.inbox, []).append(entry.entry_id)
        if entry.deliveries > 1:
            pipe.hdel(keys.errors(entry.agent_id), entry.entry_id)
    for entry, reason, attempts in dead:
        stream = keys.dead_letters(entry.agent_id)
        if (stream, entry.entry_id) not in skip:
            letter = DeadLetter(
                inbox=entry.inbox,
                entry_id=entry.entry_id,
                agent_id=entry.agent_id,
                error=reason,
                deliveries=attempts,
                worker=worker_id,
                failed_at=now_ms(),
                fields={
                    k.decode(errors="backslashreplace"): v.decode(errors="backslashreplace")
                    for k, v in entry.fields.items()
                },
            )
            pipe.xadd(stream, encode_dead_letter(letter))  # type: ignore[arg-type]
            reply_to = entry.fields.get(b"reply_to")
            if reply_to:
                error = Reply(
                    kind="error",
                    message_id=entry.message.id if entry.message else "",
                    agent_id=entry.agent_id,
                    room_id=entry.message.room_id if entry.message else "",
                    responded=False,
                    error=reason,
                )
                pipe.xadd(reply_to, encode_reply(error))  # type: ignore[arg-type]
                pipe.expire(reply_to, reply_ttl_s)
        pipe.hdel(keys.errors(entry.agent_id), entry.entry_id)
        acks.setdefault(entry.inbox, []).append(entry.entry_id)
    for entry, reason in failures:
        pipe.hset(keys.errors(entry.agent_id), entry.entry_id, reason)
    for inbox, ids in acks.items():
        pipe.xack(inbox, keys.WORKER_GROUP, *ids)
    return pipe

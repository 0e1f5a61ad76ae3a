"""An in-test Handler: echoes text, keeps its "store" in a Redis hash, replays stored replies.

Its effects are observable from outside the worker process:
``<ns>:replies``  message id -> reply text (HSETNX: a second write is a no-op, like
                  ON CONFLICT DO NOTHING), ``<ns>:effects`` how many writes were new,
``<ns>:order:<room id>`` the texts of that room in the order they were stored,
``<ns>:runs`` how many times handle() ran (replays included).
Texts steer it: ``poison...`` always raises; ``slow:<seconds>:...`` sleeps first;
``partials...`` sends two partial responses.
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio

from swarm.bus import Message, Redis
from swarm.types import Content
from workers import Outcome, PartialSink

__all__ = ["EchoHandler"]


class EchoHandler:
    """Echo ``text`` as ``echo: <text>``; effectively once per message id."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.ns = namespace

    async def handle(self, message: Message, partial: PartialSink) -> Outcome:
        await self.redis.incr(f"{self.ns}:runs")
        stored = await self.redis.hget(f"{self.ns}:replies", message.id)
        if stored is not None:
            return Outcome(message, Content(text=stored.decode()), replayed=True, model="echo")
        text = message.content.text
        if text.startswith("poison"):
            raise RuntimeError("poison pill swallowed")
        if text.startswith("slow:"):
            await anyio.sleep(float(text.split(":")[1]))
        if text.startswith("partials"):
            await partial(Content(text="thinking"))
            await partial(Content(text="almost"))
        reply = f"echo: {text}"
        return Outcome(message, Content(text=reply), model="echo", records=(reply,))

    async def persist(self, outcomes: Sequence[Outcome]) -> None:
        fresh = [o for o in outcomes if o.records]
        if not fresh:
            return
        pipe = self.redis.pipeline(transaction=False)
        for outcome in fresh:
            pipe.hsetnx(f"{self.ns}:replies", outcome.message.id, outcome.records[0])
        created = await pipe.execute()
        pipe = self.redis.pipeline(transaction=False)
        for outcome, new in zip(fresh, created, strict=True):
            if new:
                message = outcome.message
                pipe.rpush(f"{self.ns}:order:{message.room_id}", message.content.text)
                pipe.incr(f"{self.ns}:effects")
        await pipe.execute()

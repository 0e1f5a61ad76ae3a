"""RuntimeHandler: the seam between the worker and AgentRuntime + MemoryStore (with fakes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from swarm.bus import decode_message
from swarm.ids import incoming_id, response_id, string_to_uuid
from swarm.types import Content, Memory
from workers import RuntimeHandler, TurnFailedError
from workers.runtime_handler import PartialCallback

pytestmark = pytest.mark.anyio
AGENT = string_to_uuid("ada")


@dataclass
class FakeResponse:
    content: Content | None
    memories: list[Memory]
    responded: bool = True
    replayed: bool = False
    error: str | None = None
    model: str = "offline"


@dataclass
class FakeRuntime:
    agent_id: str = AGENT
    seen: list[tuple[Memory, bool]] = field(default_factory=list)
    fail: bool = False

    async def process_message(
        self, message: Memory, *, persist: bool = True, callback: PartialCallback | None = None
    ) -> FakeResponse:
        self.seen.append((message, persist))
        if self.fail:
            return FakeResponse(content=None, memories=[], responded=False, error="model down")
        assert callback is not None
        assert message.id is not None
        await callback(Content(text="partial"))
        reply = Content(text=f"re: {message.content.text}")
        stored = [
            Memory(id=incoming_id(message.id, AGENT), entity_id=message.entity_id,
                   room_id=message.room_id, content=message.content),
            Memory(id=response_id(message.id, AGENT), entity_id=AGENT,
                   room_id=message.room_id, content=reply),
        ]  # fmt: skip
        return FakeResponse(content=reply, memories=stored)


@dataclass
class FakeStore:
    calls: list[list[Memory]] = field(default_factory=list)

    async def create_memories(
        self, memories: Sequence[Memory], table_name: str = "messages"
    ) -> int:
        self.calls.append(list(memories))
        return len(memories)


async def test_turns_run_without_persisting_and_the_batch_writes_once() -> None:
    """handle() calls process_message(persist=False); persist() writes all memories at once."""
    runtime, store = FakeRuntime(), FakeStore()
    handler = RuntimeHandler([runtime], store)
    partials: list[Content] = []

    async def sink(content: Content) -> None:
        partials.append(content)

    outcomes = []
    for i in range(3):
        message = decode_message({"text": f"m{i}", "room": "r"}, agent_id=AGENT, entry_id=f"{i}-0")
        outcomes.append(await handler.handle(message, sink))
    await handler.persist(outcomes)
    assert [persist for _, persist in runtime.seen] == [False, False, False]
    assert [o.content.text for o in outcomes if o.content] == ["re: m0", "re: m1", "re: m2"]
    assert len(store.calls) == 1
    assert len(store.calls[0]) == 6
    assert partials == [Content(text="partial")] * 3


async def test_a_failed_turn_raises_so_the_message_is_retried() -> None:
    """A runtime error with no reply becomes TurnFailedError (retry, then dead letter)."""
    handler = RuntimeHandler([FakeRuntime(fail=True)], FakeStore())
    message = decode_message({"text": "x"}, agent_id=AGENT, entry_id="1-0")

    async def sink(content: Content) -> None:
        raise AssertionError("no partials expected")

    with pytest.raises(TurnFailedError, match="model down"):
        await handler.handle(message, sink)

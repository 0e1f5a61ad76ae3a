"""RuntimeHandler: the seam between the worker and AgentRuntime + MemoryStore (with fakes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from swarm.bus import decode_message
from swarm.ids import incoming_id, response_id, string_to_uuid
from swarm.runtime import AgentRuntime
from swarm.types import Content, Memory
from tests.support.memory_store import InMemoryStore
from tests.support.pipeline import character
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


async def _real_handler() -> tuple[RuntimeHandler, InMemoryStore, str]:
    return await _real_handler_on(InMemoryStore())


async def _no_partials(content: Content) -> None:
    return None


async def test_prepare_reads_a_whole_batch_once_and_turns_read_nothing_more() -> None:
    """prepare() makes one get_memories_by_ids call; the batch's turns then do no look-up."""
    handler, store, agent_id = await _real_handler()
    messages = [
        decode_message(
            {"text": f"m{i}", "room": f"r{i}"}, agent_id=agent_id, entry_id=f"{i}-0", deliveries=2
        )
        for i in range(4)
    ]
    await handler.prepare(messages)
    outcomes = [await handler.handle(m, _no_partials) for m in messages]
    assert store.calls.count("get_memories_by_ids") == 1
    assert "get_memory" not in store.calls
    assert [o.replayed for o in outcomes] == [False] * 4


async def test_first_deliveries_of_entry_id_messages_need_no_look_up() -> None:
    """A batch of first deliveries whose ids derive from their entries reads the store not once."""
    handler, store, agent_id = await _real_handler()
    messages = [
        decode_message({"text": f"m{i}", "room": "r"}, agent_id=agent_id, entry_id=f"{i}-0")
        for i in range(3)
    ]
    await handler.prepare(messages)
    outcomes = [await handler.handle(m, _no_partials) for m in messages]
    assert "get_memories_by_ids" not in store.calls
    assert "get_memory" not in store.calls
    assert [o.replayed for o in outcomes] == [False] * 3


async def test_prepare_finds_stored_replies_and_they_are_replayed() -> None:
    """A redelivered message whose reply is in the store is replayed from the batch look-up."""
    handler, store, agent_id = await _real_handler()
    message = decode_message({"text": "hello", "room": "r"}, agent_id=agent_id, entry_id="1-0")
    first = await handler.handle(message, _no_partials)
    await handler.persist([first])
    handler, _, _ = await _real_handler_on(store)
    store.calls.clear()
    again_message = decode_message(
        {"text": "hello", "room": "r"}, agent_id=agent_id, entry_id="1-0", deliveries=2
    )
    await handler.prepare([again_message])
    again = await handler.handle(again_message, _no_partials)
    assert again.replayed
    assert again.records == ()
    assert again.content == first.content
    assert "get_memory" not in store.calls


async def test_a_resent_message_with_the_senders_id_is_replayed() -> None:
    """A new entry carrying an id already answered (a retried send) gets the stored reply."""
    handler, store, agent_id = await _real_handler()
    fields = {"text": "hello", "room": "r", "id": string_to_uuid("retried send")}
    first = await handler.handle(
        decode_message(fields, agent_id=agent_id, entry_id="1-0"), _no_partials
    )
    await handler.persist([first])
    handler, _, _ = await _real_handler_on(store)
    resent = decode_message(fields, agent_id=agent_id, entry_id="2-0")
    await handler.prepare([resent])
    again = await handler.handle(resent, _no_partials)
    assert (again.replayed, again.content) == (True, first.content)
    assert store.calls.count("get_memories_by_ids") == 1


async def test_a_failed_prepare_leaves_each_turn_to_its_own_look_up() -> None:
    """When the batch look-up fails, handle() still answers (reading its own reply id)."""
    handler, store, agent_id = await _real_handler()
    message = decode_message(
        {"text": "hello", "room": "r"}, agent_id=agent_id, entry_id="1-0", deliveries=2
    )
    store.down = True
    await handler.prepare([message])
    store.down = False
    outcome = await handler.handle(message, _no_partials)
    assert outcome.content is not None
    assert "get_memory" in store.calls


async def test_a_prepared_result_serves_one_turn_only() -> None:
    """A message handled twice after one prepare() is replayed the second time, not redone."""
    handler, _store, agent_id = await _real_handler()
    message = decode_message({"text": "hello", "room": "r"}, agent_id=agent_id, entry_id="1-0")
    await handler.prepare([message])
    first = await handler.handle(message, _no_partials)
    second = await handler.handle(message, _no_partials)
    assert (first.replayed, second.replayed) == (False, True)


async def _real_handler_on(store: InMemoryStore) -> tuple[RuntimeHandler, InMemoryStore, str]:
    runtime = AgentRuntime(character(), adapter=store)
    await runtime.initialize()
    return RuntimeHandler([runtime], store), store, runtime.agent_id

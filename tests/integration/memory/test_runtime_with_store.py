"""The message pipeline on the real store (SQLite and PostgreSQL), not the unit-test fake."""

from __future__ import annotations

import pytest

from swarm.ids import incoming_id, response_id
from swarm.memory import MemoryStore
from swarm.runtime import AgentRuntime
from tests.support.pipeline import ROOM_ID, character, message

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def runtime_on(store: MemoryStore) -> AgentRuntime:
    runtime = AgentRuntime(character(), adapter=store)
    await runtime.initialize()
    return runtime


async def test_a_turn_stores_the_incoming_message_and_the_response(store: MemoryStore) -> None:
    """process_message writes the incoming memory and the reply under their derived ids."""
    runtime = await runtime_on(store)
    msg = message("hello")
    response = await runtime.process_message(msg)
    assert msg.id is not None
    stored_in = await store.get_memory(incoming_id(msg.id, runtime.agent_id))
    stored_out = await store.get_memory(response_id(msg.id, runtime.agent_id))
    assert stored_in is not None
    assert stored_in.content.text == "hello"
    assert stored_out is not None
    assert response.content is not None
    assert stored_out.content.text == response.content.text == "Hi Ann!"


async def test_a_fresh_runtime_replays_the_stored_reply(store: MemoryStore) -> None:
    """After a restart, a redelivered message is answered from the store, not recomputed."""
    msg = message("hello")
    first = await (await runtime_on(store)).process_message(msg)
    again = await (await runtime_on(store)).process_message(msg)
    assert again.replayed
    assert again.content == first.content
    assert await store.count_memories(room_id=ROOM_ID) == 2


async def test_persist_false_leaves_the_batch_write_to_the_caller(store: MemoryStore) -> None:
    """With persist=False nothing is written until the caller stores response.memories."""
    runtime = await runtime_on(store)
    response = await runtime.process_message(message("hello"), persist=False)
    assert await store.count_memories(room_id=ROOM_ID) == 0
    assert await store.create_memories(response.memories) == len(response.memories) == 2
    assert await store.count_memories(room_id=ROOM_ID) == 2

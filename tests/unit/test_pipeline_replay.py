"""Replay of stored responses, persist=False, the room cache, and the offline default."""

from __future__ import annotations

from typing import Any

import pytest

from swarm.ids import incoming_id, response_id
from swarm.runtime import AgentRuntime, Memory, Plugin
from swarm.runtime.recent import RecentMessages
from tests.support.memory_store import InMemoryStore
from tests.support.pipeline import character, message


async def start(store: InMemoryStore, *plugins: Plugin, **fields: Any) -> AgentRuntime:
    runtime = AgentRuntime(character(**fields), adapter=store, plugins=plugins)
    await runtime.initialize()
    return runtime


def counting_plugin(seen: list[str]) -> Plugin:
    async def before_message(runtime: AgentRuntime, msg: Memory) -> None:
        seen.append("before_message")

    return Plugin(name="counting", before_message=before_message)


@pytest.mark.anyio
async def test_a_stored_response_is_replayed_without_running_anything() -> None:
    """The second delivery returns the stored reply, replayed=True, and runs no hook."""
    seen: list[str] = []
    store = InMemoryStore()
    runtime = await start(store, counting_plugin(seen))
    msg = message("hello")
    first = await runtime.process_message(msg)
    rows = len(store.rows)
    second = await runtime.process_message(msg)
    assert second.replayed
    assert second.content == first.content
    assert second.memories == []
    assert second.model == "offline"
    assert seen == ["before_message"]
    assert len(store.rows) == rows


@pytest.mark.anyio
async def test_a_new_runtime_replays_a_response_found_in_the_store() -> None:
    """After a crash, a redelivered message is answered from the store, not recomputed."""
    store = InMemoryStore()
    msg = message("hello")
    first = await (await start(store)).process_message(msg)
    seen: list[str] = []
    again = await (await start(store, counting_plugin(seen))).process_message(msg)
    assert again.replayed
    assert again.content == first.content
    assert seen == []


@pytest.mark.anyio
async def test_persist_false_writes_nothing_and_returns_the_memories_to_write() -> None:
    """With persist=False the store is not written; memories carry the derived ids."""
    store = InMemoryStore()
    runtime = await start(store)
    msg = message("hello")
    response = await runtime.process_message(msg, persist=False)
    assert msg.id is not None
    assert store.rows == {}
    assert [m.id for m in response.memories] == [
        incoming_id(msg.id, runtime.agent_id),
        response_id(msg.id, runtime.agent_id),
    ]
    assert await store.create_memories(response.memories) == 2
    replay = await (await start(store)).process_message(msg, persist=False)
    assert replay.replayed


@pytest.mark.anyio
async def test_persist_false_turns_still_see_earlier_messages_of_the_room() -> None:
    """The room cache gives the next turn the earlier (unwritten) messages."""
    runtime = await start(InMemoryStore())
    await runtime.process_message(message("the garden needs rain"), persist=False)
    state = await runtime.compose_state(message("what did I say?"))
    conversation = state.values["recentMessages"]
    assert "Ann: the garden needs rain" in conversation
    assert "Wren: " in conversation  # the agent's own earlier reply


@pytest.mark.anyio
async def test_a_room_is_loaded_from_the_store_once() -> None:
    """Earlier history comes from the store on first sight of a room, then from the cache."""
    store = InMemoryStore()
    await (await start(store)).process_message(message("remember the plums"))
    runtime = await start(store)
    await runtime.process_message(message("and now?"))
    await runtime.process_message(message("and again?"))
    assert store.calls.count("get_memories") == 1 + 1  # one per runtime
    state = await runtime.compose_state(message("x"))
    assert "remember the plums" in state.values["recentMessages"]


@pytest.mark.anyio
async def test_check_replay_false_skips_the_store_lookup() -> None:
    """check_replay=False does not read the response id from the store."""
    store = InMemoryStore()
    runtime = await start(store)
    await runtime.process_message(message(), check_replay=False)
    assert "get_memory" not in store.calls


@pytest.mark.anyio
async def test_the_offline_model_answers_when_no_model_is_configured() -> None:
    """Without a model plugin the reply comes from the character's examples, model offline."""
    runtime = await start(InMemoryStore())
    response = await runtime.process_message(message("hello"))
    assert response.model == "offline"
    assert response.content is not None
    assert response.content.text == "Hi Ann!"
    assert response.content.data["model"] == "offline"


def test_the_room_cache_is_bounded_in_rooms_and_messages() -> None:
    """The least recently used room is evicted; each room keeps its last per_room messages."""
    cache = RecentMessages(per_room=2, max_rooms=2)
    for room in ("r1", "r2", "r1", "r3"):
        cache.add(message(room, room_id=room))
    assert "r2" not in cache
    assert len(cache) == 2
    for text in ("a", "b", "c"):
        cache.add(message(text, room_id="r1"))
    assert [m.content.text for m in cache.get("r1") or []] == ["b", "c"]


def test_the_room_cache_adds_a_memory_once() -> None:
    """Adding the same memory id twice keeps one copy."""
    cache = RecentMessages(per_room=5)
    msg = message("once")
    cache.add(msg)
    cache.add(msg)
    assert len(cache.get(msg.room_id) or []) == 1
    assert msg.id is not None
    assert cache.find(msg.room_id, msg.id) is msg


@pytest.mark.anyio
async def test_a_reply_known_absent_for_the_batch_is_not_read_from_the_store() -> None:
    """known_replies {id: None} answers the message without a per-message store read."""
    store = InMemoryStore()
    runtime = await start(store)
    msg = message("hello")
    assert msg.id is not None
    reply_id = response_id(msg.id, runtime.agent_id)
    response = await runtime.process_message(msg, known_replies={reply_id: None})
    assert not response.replayed
    assert response.content is not None
    assert "get_memory" not in store.calls


@pytest.mark.anyio
async def test_a_reply_known_for_the_batch_is_replayed_without_a_store_read() -> None:
    """A stored reply handed in through known_replies is replayed; nothing runs or is read."""
    store = InMemoryStore()
    msg = message("hello")
    assert msg.id is not None
    first = await (await start(store)).process_message(msg)
    seen: list[str] = []
    runtime = await start(store, counting_plugin(seen))
    reply_id = response_id(msg.id, runtime.agent_id)
    stored = store.rows[reply_id][1]
    store.calls.clear()
    again = await runtime.process_message(msg, known_replies={reply_id: stored})
    assert again.replayed
    assert again.content == first.content
    assert seen == []
    assert "get_memory" not in store.calls


@pytest.mark.anyio
async def test_a_repeat_within_the_batch_is_replayed_from_the_room_cache() -> None:
    """An id known absent at batch start but answered earlier in the batch is not redone."""
    store = InMemoryStore()
    runtime = await start(store)
    msg = message("hello")
    assert msg.id is not None
    known = {response_id(msg.id, runtime.agent_id): None}
    first = await runtime.process_message(msg, persist=False, known_replies=known)
    second = await runtime.process_message(msg, persist=False, known_replies=known)
    assert not first.replayed
    assert second.replayed
    assert second.memories == []


@pytest.mark.anyio
async def test_an_id_missing_from_known_replies_is_read_from_the_store() -> None:
    """known_replies only covers the ids it holds; any other id is looked up as before."""
    store = InMemoryStore()
    runtime = await start(store)
    await runtime.process_message(message("hello"), known_replies={"another-id": None})
    assert "get_memory" in store.calls

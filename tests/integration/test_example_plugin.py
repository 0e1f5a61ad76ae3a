"""The example plugin (examples/plugins/notes.py) through a character that names it by path."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm.characters import load_character
from swarm.memory import MemoryStore, create_store
from swarm.runtime import AgentRuntime, Content, Memory

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

ARCHIVIST = Path(__file__).resolve().parents[2] / "examples" / "plugins" / "archivist.json"
USER = str(uuid.uuid4())


@pytest.fixture
async def archivist(tmp_path: Path) -> AsyncIterator[tuple[AgentRuntime, MemoryStore]]:
    store = create_store(f"sqlite+aiosqlite:///{tmp_path}/store.db")
    await store.init()
    runtime = AgentRuntime(await load_character(ARCHIVIST), adapter=store)
    await runtime.initialize()
    yield runtime, store
    await runtime.stop()
    await store.close()


async def say(runtime: AgentRuntime, room: str, text: str) -> str:
    message = Memory(id=str(uuid.uuid4()), entity_id=USER, room_id=room, content=Content(text=text))
    response = await runtime.process_message(message)
    assert response.content is not None
    return response.content.text


async def test_the_plugin_loads_from_the_path_the_character_names(
    archivist: tuple[AgentRuntime, MemoryStore],
) -> None:
    """'./notes.py:plugin' in the character file loads the plugin next to it, by its name."""
    runtime, _ = archivist
    assert [p.name for p in runtime.plugins] == ["notes"]
    assert "TAKE_NOTE" in runtime.actions
    assert "NOTES" in runtime.providers
    assert "QUESTION_COUNTER" in runtime.evaluators


async def test_notes_are_stored_and_recalled_per_room(
    archivist: tuple[AgentRuntime, MemoryStore],
) -> None:
    """TAKE_NOTE stores each note in the notes table and lists the room's notes on request."""
    runtime, store = archivist
    room, other = str(uuid.uuid4()), str(uuid.uuid4())
    assert await say(runtime, room, "remember: buy milk") == "Noted: buy milk"
    assert await say(runtime, room, "remember: call Ann") == "Noted: call Ann"
    assert await say(runtime, room, "what did I ask you to remember?") == (
        "Your notes: buy milk; call Ann"
    )
    assert await say(runtime, other, "what did I ask you to remember?") == (
        "You have no notes here yet."
    )
    assert await store.count_memories(room_id=room, table_name="notes") == 2


async def test_questions_are_counted_by_the_evaluator(
    archivist: tuple[AgentRuntime, MemoryStore],
) -> None:
    """A question answered in a room is counted; the evaluation is stored with the exchange."""
    runtime, _ = archivist
    room = str(uuid.uuid4())
    message = Memory(
        id=str(uuid.uuid4()), entity_id=USER, room_id=room, content=Content(text="is it raining?")
    )
    response = await runtime.process_message(message)
    evaluations = [m for m in response.memories if m.metadata.type == "evaluation"]
    assert len(evaluations) == 1

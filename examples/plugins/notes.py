"""An example swarm plugin: an agent that keeps notes for the people it talks to.

It has one of each thing a plugin can contribute:

- the action ``TAKE_NOTE``: on "remember ...", stores the note in the shared memory store
  (table ``notes``) and answers "Noted: ...";
- the provider ``NOTES``: puts the room's latest notes into the state, so replies (and a
  real model's prompt) can use them; with the offline model, "what did I ask you to
  remember?" lists them;
- the evaluator ``QUESTION_COUNTER``: after each answered question, counts the room's
  questions into the turn's results (stored with the exchange).

Use it from a character file by path, relative to that file::

    "plugins": ["../plugins/notes.py:plugin"]

or from Python: ``AgentRuntime(character, plugins=[plugin])``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from swarm.ids import derived_id
from swarm.runtime import (
    Action,
    ActionExample,
    ActionResult,
    AgentRuntime,
    Content,
    Evaluator,
    HandlerCallback,
    Memory,
    Plugin,
    Provider,
    ProviderResult,
    State,
)

__all__ = ["plugin"]

NOTES_TABLE = "notes"
_TRIGGERS = ("remember ", "remember:", "note:", "note that ")
_RECALL = ("what did i ask you to remember", "my notes", "list notes", "what are my notes")


def _note_text(text: str) -> str | None:
    lowered = text.strip().lower()
    for trigger in _TRIGGERS:
        if lowered.startswith(trigger):
            return text.strip()[len(trigger) :].strip(" :") or None
    return None


async def _recent_notes(runtime: AgentRuntime, room_id: str, count: int = 5) -> list[str]:
    if runtime.adapter is None:
        return []
    notes = await runtime.adapter.get_memories(
        room_id=room_id, table_name=NOTES_TABLE, count=count, agent_id=runtime.agent_id
    )
    return [n.content.text for n in reversed(notes)]


async def _is_note(runtime: AgentRuntime, message: Memory, state: State | None) -> bool:
    return _note_text(message.content.text) is not None or _is_recall(message)


def _is_recall(message: Memory) -> bool:
    lowered = message.content.text.strip().lower()
    return any(phrase in lowered for phrase in _RECALL)


async def _take_note(
    runtime: AgentRuntime,
    message: Memory,
    state: State | None,
    options: Mapping[str, Any] | None,
    callback: HandlerCallback | None,
) -> ActionResult:
    if _is_recall(message):
        notes = await _recent_notes(runtime, message.room_id)
        text = "Your notes: " + "; ".join(notes) if notes else "You have no notes here yet."
    else:
        note = _note_text(message.content.text) or message.content.text
        if runtime.adapter is None:
            return ActionResult(success=False, error="no memory store to keep notes in")
        # The id derives from the message, so a redelivered message keeps one note, not two.
        await runtime.adapter.create_memory(
            Memory(
                id=derived_id("note", message.id or "", runtime.agent_id),
                entity_id=message.entity_id,
                agent_id=runtime.agent_id,
                room_id=message.room_id,
                content=Content(text=note, source="notes"),
            ),
            table_name=NOTES_TABLE,
        )
        text = f"Noted: {note}"
    if callback is not None:
        await callback(Content(text=text, actions=["TAKE_NOTE"]))
    return ActionResult(text=text, values={"noted": not _is_recall(message)})


async def _notes_provider(runtime: AgentRuntime, message: Memory, state: State) -> ProviderResult:
    notes = await _recent_notes(runtime, message.room_id)
    text = "\n".join(f"- {n}" for n in notes)
    return ProviderResult(text=text, values={"noteCount": len(notes)}, data={"notes": notes})


_questions: dict[str, int] = {}


async def _is_question(runtime: AgentRuntime, message: Memory, state: State | None) -> bool:
    return message.content.text.rstrip().endswith("?")


async def _count_question(
    runtime: AgentRuntime, message: Memory, state: State | None, responses: Sequence[Memory]
) -> ActionResult:
    _questions[message.room_id] = _questions.get(message.room_id, 0) + 1
    return ActionResult(values={"questionsInRoom": _questions[message.room_id]})


TAKE_NOTE = Action(
    name="TAKE_NOTE",
    description="Remember a note the user asks to keep, or list the notes kept so far.",
    handler=_take_note,
    validate=_is_note,
    similes=["REMEMBER", "SAVE_NOTE", "NOTE"],
    examples=[
        [
            ActionExample(name="{{user1}}", content=Content(text="remember: buy milk")),
            ActionExample(
                name="{{agent}}", content=Content(text="Noted: buy milk", actions=["TAKE_NOTE"])
            ),
        ],
        [
            ActionExample(
                name="{{user1}}", content=Content(text="what did I ask you to remember?")
            ),
            ActionExample(
                name="{{agent}}", content=Content(text="Your notes: ...", actions=["TAKE_NOTE"])
            ),
        ],
    ],
)

NOTES = Provider(
    name="NOTES", description="The latest notes kept in this room.", get=_notes_provider
)

QUESTION_COUNTER = Evaluator(
    name="QUESTION_COUNTER",
    description="Counts the questions asked in each room.",
    handler=_count_question,
    validate=_is_question,
)

plugin = Plugin(
    name="notes",
    description="Keeps notes for the people an agent talks to (example plugin).",
    actions=[TAKE_NOTE],
    providers=[NOTES],
    evaluators=[QUESTION_COUNTER],
)

"""Choosing what to do: which actions are valid for a message, and which one the model picks.

Every action's ``validate`` runs in parallel (only actions with their own validator are
called at all); one that raises counts as invalid and is logged. The model answers in
elizaOS's XML or in JSON (:mod:`swarm.runtime.decisions` reads both); the names it gives are
matched to the valid actions exactly, then case-insensitively by name or simile. Unknown
names are dropped; with none left the answer is a REPLY when it has text, else NONE.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from swarm.models.types import ModelType, model_info
from swarm.runtime.components import Action, State, always_valid
from swarm.runtime.decisions import ParsedResponse, match_action, parse_response
from swarm.runtime.logs import describe
from swarm.runtime.state import sender_name
from swarm.types import Memory

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["Choice", "choose_actions", "valid_actions"]

_TEMPLATE = (
    "<task>Write {name}'s next message and choose its actions.</task>\n\n"
    "{context}\n\n"
    "<actions>\n{actions}\n</actions>\n\n"
    "<instructions>Answer as {name}, in character. Choose one or more of the actions "
    "above (REPLY to just answer).</instructions>\n"
    "<output>Answer in this XML format only:\n"
    "<response><thought>why</thought><actions>ACTION_NAME</actions>"
    "<text>what {name} says</text></response></output>"
)

_FRAME_CACHE_SIZE = 256
"""Agent names whose prompt frame is kept (one per character a process runs, usually)."""


@dataclass(slots=True)
class Choice:
    """The model's answer: the actions to run (valid, in order), its text and thought."""

    actions: list[Action]
    parsed: ParsedResponse
    model: str
    provider: str
    model_data: dict[str, str] = field(default_factory=dict)


async def _check(
    runtime: AgentRuntime, action: Action, message: Memory, state: State, valid: list[bool], i: int
) -> None:
    try:
        valid[i] = bool(await action.validate(runtime, message, state))
    except Exception as exc:
        valid[i] = False
        runtime.logger.warning(
            "validate of action %r raised (%s); counted as invalid", action.name, describe(exc)
        )


async def valid_actions(runtime: AgentRuntime, message: Memory, state: State) -> list[Action]:
    """The registered actions whose ``validate`` accepts ``message``, in registration order."""
    actions = list(runtime.actions.values())
    custom = [i for i, a in enumerate(actions) if a.validate is not always_valid]
    if not custom:
        return actions
    valid = [True] * len(actions)
    if len(custom) == 1:
        i = custom[0]
        await _check(runtime, actions[i], message, state, valid, i)
    else:
        async with anyio.create_task_group() as tg:
            for i in custom:
                tg.start_soon(_check, runtime, actions[i], message, state, valid, i)
    return [a for a, ok in zip(actions, valid, strict=True) if ok]


@functools.lru_cache(maxsize=_FRAME_CACHE_SIZE)
def _frame(name: str) -> tuple[str, str, str]:
    # The template with the agent's name filled in, cut around the context and the actions:
    # formatting the whole template each turn cost more than the rest of the prompt.
    head, rest = _TEMPLATE.split("{context}")
    middle, tail = rest.split("{actions}")
    return head.format(name=name), middle.format(name=name), tail.format(name=name)


def _prompt(runtime: AgentRuntime, state: State, actions: Sequence[Action]) -> str:
    head, middle, tail = _frame(runtime.character.name)
    listing = "\n".join([f"- {a.name}: {a.description}" for a in actions])
    return f"{head}{state.text}{middle}{listing}{tail}"


def _resolve(
    names: Sequence[str], actions: Sequence[Action], runtime: AgentRuntime
) -> list[Action]:
    by_name = {a.name: a for a in actions}
    similes: dict[str, list[str]] | None = None
    chosen: list[Action] = []
    for name in names:
        if name in by_name:  # what match_action finds first, without its simile table
            found: str | None = name
        else:
            if similes is None:
                similes = {a.name: a.similes for a in actions}
            found = match_action(name, similes)
        if found is None:
            runtime.logger.debug("the model chose unknown or invalid action %r; dropped", name)
        elif by_name[found] not in chosen:
            chosen.append(by_name[found])
    return chosen


async def choose_actions(
    runtime: AgentRuntime,
    message: Memory,
    state: State,
    actions: Sequence[Action],
    call_model: Any,
) -> Choice:
    """Ask the model (TEXT_LARGE, through ``call_model``) what to say and which actions to run.

    ``call_model(model_type, params)`` returns ``(result, registration)``; its errors
    propagate (the pipeline answers with the fallback response).
    """
    params = {
        "prompt": _prompt(runtime, state, actions),
        "input": message.content.text,
        "user_name": sender_name(message),
        "actions": list(actions),
    }
    result, registration = await call_model(ModelType.TEXT_LARGE, params)
    info = model_info(result)
    parsed = parse_response(str(result))
    chosen = _resolve(parsed.actions, actions, runtime)
    if not chosen:
        fallback = "REPLY" if parsed.text else "NONE"
        default = next((a for a in actions if a.name == fallback), None)
        chosen = [default] if default is not None else []
    return Choice(
        actions=chosen,
        parsed=parsed,
        model=info.get("model") or registration.provider,
        provider=info.get("provider") or registration.provider,
        model_data=info,
    )

"""Whether the agent answers a message: direct messages always, rooms by rules, then the model.

Rules, in order: never answer its own messages; answer direct messages (``channel_type``
DM/VOICE_DM/SELF/API, or none given: a message addressed to the agent); answer in a room
when named (name or username); otherwise ask the model (TEXT_SMALL) in elizaOS's
should-respond format, and stay silent when it fails or its answer cannot be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from swarm.models.types import ModelType
from swarm.runtime.components import State
from swarm.runtime.decisions import parse_should_respond
from swarm.runtime.logs import describe
from swarm.types import Memory

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["DIRECT_CHANNELS", "Decision", "mention_pattern", "should_respond"]

DIRECT_CHANNELS = frozenset({"DM", "VOICE_DM", "SELF", "API", "DIRECT"})

_TEMPLATE = (
    "<task>Decide whether {name} should respond to the last message.</task>\n"
    "{context}\n"
    "<instructions>Answer RESPOND when the message is for {name} or {name} has something "
    "useful to add, IGNORE when it is not, STOP when asked to stop.</instructions>\n"
    "<output><response><name>{name}</name><reasoning>why</reasoning>"
    "<action>RESPOND | IGNORE | STOP</action></response></output>"
)


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether to respond, and the rule (or model answer) that decided it."""

    respond: bool
    reason: str


# The rules' decisions, made once: a Decision is immutable.
_OWN_MESSAGE = Decision(False, "own message")
_DIRECT_MESSAGE = Decision(True, "direct message")
_MENTIONED = Decision(True, "mentioned by name")


def mention_pattern(name: str, username: str | None = None) -> re.Pattern[str]:
    """What a mention of the agent looks like: its name or username, optionally with ``@``."""
    names = {name, username or ""} - {""}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w@])@?(?:{alternatives})\b", re.I)


async def should_respond(
    runtime: AgentRuntime, message: Memory, state: State, mention: re.Pattern[str]
) -> Decision:
    """Decide whether ``runtime``'s agent answers ``message`` (see the module docstring)."""
    if message.entity_id == runtime.agent_id:
        return _OWN_MESSAGE
    channel = message.content.channel_type
    if channel is None or channel.upper() in DIRECT_CHANNELS:
        return _DIRECT_MESSAGE
    if mention.search(message.content.text) is not None:
        return _MENTIONED
    prompt = _TEMPLATE.format(name=runtime.character.name, context=state.text)
    try:
        answer = await runtime.use_model(
            ModelType.TEXT_SMALL, {"prompt": prompt, "input": message.content.text}
        )
    except Exception as exc:
        runtime.logger.warning(
            "should-respond model call failed (%s); staying silent", describe(exc)
        )
        return Decision(False, f"model failed: {describe(exc)}")
    verdict = parse_should_respond(str(answer))
    if verdict == "RESPOND":
        return Decision(True, "model said RESPOND")
    return Decision(False, f"model said {verdict or 'nothing readable'}")

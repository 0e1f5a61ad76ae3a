"""Replies drawn from a character's own message examples, for the offline model.

A character's ``message_examples`` are conversations; every user turn followed by the
agent's turn is an *exchange*. An incoming message is answered with the agent's side of the
exchange whose user side it resembles most, elizaOS placeholders filled in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from swarm.models.similarity import Features, SimilarityIndex

__all__ = [
    "Exchange",
    "Reply",
    "ReplyBook",
    "agent_name_of",
    "example_exchanges",
    "fill_placeholders",
    "read_field",
]

_PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")
# elizaOS writes example speakers and template slots with these; compared lower-cased.
_USER_SLOTS = frozenset({"user", "user1", "user2", "user3", "name1", "name2", "name3", "username"})
_AGENT_SLOTS = frozenset({"name", "agentname", "char", "charname"})
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s")
_LONG_BIO_LINE = 200


def read_field(obj: object, *names: str) -> Any:
    """The first present attribute (or mapping key) of ``names``, else ``None``.

    Characters arrive as pydantic models, plain dicts from JSON, or test stand-ins.
    """
    for name in names:
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    return None


def fill_placeholders(text: str, *, user_name: str, agent_name: str) -> str:
    """Replace ``{{user}}``/``{{user1}}``/``{{user2}}``/``{{name1}}``... with the sender's name
    and ``{{name}}``/``{{agentName}}``/``{{char}}`` with the agent's; leave others as written."""
    if "{{" not in text:
        return text

    def slot(match: re.Match[str]) -> str:
        key = match.group(1).lower()
        if key in _USER_SLOTS:
            return user_name
        if key in _AGENT_SLOTS:
            return agent_name
        return match.group(0)

    return _PLACEHOLDER_RE.sub(slot, text)


def agent_name_of(character: object) -> str:
    """The character's name, or ``"agent"`` for a nameless one."""
    name = read_field(character, "name")
    return str(name) if name else "agent"


def _is_agent(speaker: str, agent_name: str) -> bool:
    spoken = speaker.strip().lower()
    if spoken == agent_name.lower():
        return True
    slot = _PLACEHOLDER_RE.fullmatch(spoken)
    return slot is not None and slot.group(1) in _AGENT_SLOTS


def _actions_of(content: object) -> tuple[str, ...]:
    actions = read_field(content, "actions")
    if isinstance(actions, str):
        return (actions,)
    if isinstance(actions, Iterable):
        return tuple(str(a) for a in actions if a)
    return ()


@dataclass(frozen=True, slots=True)
class Exchange:
    """A user turn and the agent's turn that answered it, as written in an example."""

    prompt: str
    reply: str
    actions: tuple[str, ...]


def example_exchanges(conversations: object, agent_name: str) -> list[Exchange]:
    """Every (user turn, next agent turn) pair of elizaOS example conversations, in order.

    Of several user turns in a row, the last is the prompt; of several agent turns in a
    row, the first is the reply. Speakers go by ``name`` (v1) or ``user`` (v0); a turn is
    the agent's when its speaker is the agent (by name or ``{{agentName}}``) or it acts.
    """
    exchanges: list[Exchange] = []
    if not isinstance(conversations, Iterable):
        return exchanges
    for conversation in conversations:
        if not isinstance(conversation, Iterable):
            continue
        prompt: str | None = None
        for turn in conversation:
            speaker = str(read_field(turn, "name", "user") or "")
            content = read_field(turn, "content")
            text = str(read_field(content, "text") or "")
            actions = _actions_of(content)
            # Action examples name the agent "{{name2}}"; a turn that acts is the agent's.
            if not actions and not _is_agent(speaker, agent_name):
                prompt = text
            elif prompt is not None:
                exchanges.append(Exchange(prompt, text, actions))
                prompt = None
    return exchanges


def _bio_line(character: object) -> str:
    bio = read_field(character, "bio")
    lines: Sequence[object]
    if isinstance(bio, str):
        lines = bio.splitlines()
    elif isinstance(bio, Sequence):
        lines = bio
    else:
        return ""
    for line in lines:
        text = str(line).strip()
        if text:
            if len(text) > _LONG_BIO_LINE:
                text = _SENTENCE_END_RE.split(text, maxsplit=1)[0]
            return text
    return ""


@dataclass(frozen=True, slots=True)
class Reply:
    """The offline model's answer: ``exchange`` is the example it came from, ``None`` for
    the fallback."""

    text: str
    score: float
    exchange: Exchange | None


class ReplyBook:
    """A character's example exchanges, indexed once, answering messages by similarity."""

    __slots__ = ("_bio_line", "_index", "_replies", "agent_name", "exchanges", "min_similarity")

    def __init__(self, character: object, *, min_similarity: float = 0.12) -> None:
        self.agent_name = agent_name_of(character)
        self.min_similarity = min_similarity
        self.exchanges = example_exchanges(
            read_field(character, "message_examples", "messageExamples"), self.agent_name
        )
        # An action-only turn ({"text": "", "actions": ["IGNORE"]}) has nothing to say.
        self._replies = [e for e in self.exchanges if e.reply.strip()]
        self._index = SimilarityIndex([e.prompt for e in self._replies])
        self._bio_line = _bio_line(character)

    def reply(self, query: str | Features, user_name: str) -> Reply:
        """The reply to the most similar example prompt, or the fallback below the threshold."""
        index, score = self._index.best(query)
        if index < 0 or score < self.min_similarity:
            return Reply(self.fallback(user_name), score, None)
        exchange = self._replies[index]
        text = fill_placeholders(exchange.reply, user_name=user_name, agent_name=self.agent_name)
        return Reply(text, score, exchange)

    def fill(self, text: str, user_name: str) -> str:
        """``text`` with this character's placeholders filled."""
        return fill_placeholders(text, user_name=user_name, agent_name=self.agent_name)

    def fallback(self, user_name: str) -> str:
        """What the character says when no example fits: its first bio line, never empty."""
        if self._bio_line:
            return self.fill(self._bio_line, user_name)
        return f"I'm {self.agent_name}. I hear you, {user_name}."

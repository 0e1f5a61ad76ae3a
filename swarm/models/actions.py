"""Action choice for the offline model: which offered action does a message ask for?

Each action is described by several short documents: its name ("SEND_TOKEN" reads "send
token"), its similes, each sentence of its description, the user turns of its examples, and
the user turns of the character's examples whose reply took that action. The character's
plain replies speak for REPLY. An action scores the best similarity of the message to any of
its documents; REPLY wins unless another action is clearly better.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from swarm.models.replies import Exchange, example_exchanges, read_field
from swarm.models.similarity import Features, SimilarityIndex

__all__ = [
    "DEFAULT_ACTION",
    "ActionChoice",
    "ActionChooser",
    "ActionSpec",
    "action_specs",
    "response_xml",
]

DEFAULT_ACTION = "REPLY"
"""elizaOS's default action: answer with text."""

_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+")


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """What the offline model knows of an action offered to it (hashable, for caching)."""

    name: str
    description: str
    similes: tuple[str, ...]
    exchanges: tuple[Exchange, ...]


def action_specs(actions: Iterable[object], agent_name: str) -> tuple[ActionSpec, ...]:
    """Read ``params["actions"]`` (dicts or action objects) into :class:`ActionSpec`."""
    specs = []
    for action in actions:
        name = str(read_field(action, "name") or "").strip()
        if not name:
            continue
        similes = read_field(action, "similes") or ()
        if isinstance(similes, str):
            similes = (similes,)
        examples = read_field(action, "examples") or ()
        specs.append(
            ActionSpec(
                name=name,
                description=str(read_field(action, "description") or ""),
                similes=tuple(str(s) for s in similes),
                exchanges=tuple(example_exchanges(examples, agent_name)),
            )
        )
    return tuple(specs)


@dataclass(frozen=True, slots=True)
class ActionChoice:
    """The chosen action, how similar the message was to it, and why."""

    name: str
    score: float
    evidence: str
    """Which document matched: ``"example"``, ``"simile"``, ``"description"``, ``"name"``."""
    reply: str | None
    """The agent's text of the matching example, when the evidence is an example."""


@dataclass(frozen=True, slots=True)
class _Doc:
    action: int
    evidence: str
    reply: str | None


def _phrase(name: str) -> str:
    return name.replace("_", " ").replace("-", " ")


class ActionChooser:
    """Offered actions indexed once; :meth:`choose` picks one for a message."""

    __slots__ = ("_docs", "_groups", "_index", "margin", "specs", "threshold")

    def __init__(
        self,
        specs: Sequence[ActionSpec],
        character_exchanges: Sequence[Exchange] = (),
        *,
        threshold: float = 0.3,
        margin: float = 0.05,
    ) -> None:
        self.specs = tuple(specs)
        self.threshold = threshold
        self.margin = margin
        by_name = {spec.name.upper(): i for i, spec in enumerate(self.specs)}
        texts: list[str] = []
        docs: list[_Doc] = []

        def add(text: str, action: int, evidence: str, reply: str | None = None) -> None:
            if text.strip():
                texts.append(text)
                docs.append(_Doc(action, evidence, reply))

        def add_exchange(exchange: Exchange, owner: int | None) -> None:
            named = [by_name[a.upper()] for a in exchange.actions if a.upper() in by_name]
            if not named and owner is not None:
                named = [owner]
            for action in named:
                add(exchange.prompt, action, "example", exchange.reply)

        for i, spec in enumerate(self.specs):
            add(_phrase(spec.name), i, "name")
            for simile in spec.similes:
                add(_phrase(simile), i, "simile")
            for sentence in _SENTENCE_RE.split(spec.description):
                add(sentence, i, "description")
            for exchange in spec.exchanges:
                add_exchange(exchange, i)
        default = by_name.get(DEFAULT_ACTION)
        for exchange in character_exchanges:
            add_exchange(exchange, default)
        # Each action's documents side by side (in the order they were added), so that its
        # best score is the max of one slice of the scores; a document's score does not
        # depend on where it sits in the index.
        order = sorted(range(len(docs)), key=lambda j: docs[j].action)
        self._docs = [docs[j] for j in order]
        owners = [doc.action for doc in self._docs]
        self._groups = [
            (
                spec.name.upper() == DEFAULT_ACTION,
                bisect.bisect_left(owners, i),
                bisect.bisect_right(owners, i),
            )
            for i, spec in enumerate(self.specs)
        ]
        self._index = SimilarityIndex([texts[j] for j in order])

    def choose(self, query: str | Features) -> ActionChoice:
        """The best action for ``query``; REPLY unless another scores at least ``threshold``
        and beats REPLY's own score by ``margin``."""
        scores = self._index.scores(query)
        reply_score = 0.0
        score, winner = 0.0, -1  # the first action with the best score, REPLY aside
        for action, (is_default, start, end) in enumerate(self._groups):
            if start == end:
                continue
            top = max(scores[start:end])
            if is_default:
                if top > reply_score:
                    reply_score = top
            elif top > score:
                score, winner = top, action
        if winner >= 0 and score >= self.threshold and score > reply_score + self.margin:
            # The action's first document with that score is the evidence.
            _, start, end = self._groups[winner]
            doc = self._docs[scores.index(score, start, end)]
            return ActionChoice(self.specs[doc.action].name, score, doc.evidence, doc.reply)
        return ActionChoice(DEFAULT_ACTION, reply_score, "default", None)


def response_xml(*, thought: str, actions: Sequence[str], text: str) -> str:
    """elizaOS's response block; values are XML-escaped (the runtime's parser unescapes)."""
    return (
        "<response>\n"
        f"    <thought>{html.escape(thought, quote=False)}</thought>\n"
        f"    <actions>{','.join(actions)}</actions>\n"
        f"    <text>{html.escape(text, quote=False)}</text>\n"
        "</response>"
    )

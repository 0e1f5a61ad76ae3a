"""Parse what a model answered: the response block, the chosen actions, should-respond.

Models answer in elizaOS's XML (``<response><thought/><actions/><text/></response>``) or in
JSON (often inside a Markdown fence). Both are read tolerantly: a missing closing tag, extra
prose around the block or odd casing must not lose the answer.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ParsedResponse",
    "match_action",
    "parse_response",
    "parse_should_respond",
]

_FENCE_RE = re.compile(r"```(?:json|xml)?\s*(.*?)```", re.S | re.I)
_STRUCTURED_RE = re.compile(r"<(response|text|actions)\b", re.I)
_NAME_SEPARATOR_RE = re.compile(r"[,\n]")
_TAG_RE_CACHE: dict[str, re.Pattern[str]] = {}


@dataclass(slots=True)
class ParsedResponse:
    """The fields of one model answer; ``text`` may be empty, ``actions`` may be empty."""

    text: str = ""
    thought: str = ""
    actions: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    structured: bool = False
    """False when the answer had no XML/JSON structure and was taken as plain text."""


def _tag(name: str, closed: bool) -> re.Pattern[str]:
    key = f"{name}:{closed}"
    pattern = _TAG_RE_CACHE.get(key)
    if pattern is None:
        # Unclosed tags run to the next known field or the end: truncated generations are common.
        end = rf"</{name}\s*>" if closed else rf"(?=<(?:{_FIELDS})\b)|\Z"
        pattern = re.compile(rf"<{name}\b[^>]*>(.*?)(?:{end})", re.S | re.I)
        _TAG_RE_CACHE[key] = pattern
    return pattern


_FIELDS = "response|thought|actions|providers|text|action|name|reasoning"
# Opening and closing tag of each field name looked for (a handful, all from this module).
_PLAIN_TAGS: dict[str, tuple[str, str]] = {}


def _xml_field(text: str, name: str) -> str | None:
    # Well-formed lower-case tags (what prompts ask for) are found without a regex.
    tags = _PLAIN_TAGS.get(name)
    if tags is None:
        tags = _PLAIN_TAGS[name] = (f"<{name}>", f"</{name}>")
    opening, closing = tags
    start = text.find(opening)
    end = text.find(closing, start) if start >= 0 else -1
    if end >= 0:
        value = text[start + len(opening) : end].strip()
    elif text.isascii() and f"<{name}" not in text.lower():
        # No opening tag in any casing (exact for ASCII; re.I folds a few non-ASCII letters).
        return None
    else:
        match = _tag(name, closed=True).search(text) or _tag(name, closed=False).search(text)
        if match is None:
            return None
        value = match.group(1).strip()
    if value.startswith("<![CDATA[") and value.endswith("]]>"):
        return value[9:-3]
    return html.unescape(value) if "&" in value else value


def _split_names(value: object) -> list[str]:
    if isinstance(value, str):
        if "," not in value and "\n" not in value:  # one name (or none): no split needed
            name = value.strip()
            return [name] if name else []
        items: Iterable[object] = _NAME_SEPARATOR_RE.split(value)
    elif isinstance(value, list | tuple):
        items = value
    else:
        return []
    return [name for name in (str(item).strip() for item in items) if name]


def _from_json(text: str) -> dict[str, Any] | None:
    candidates = [m.group(1) for m in _FENCE_RE.finditer(text)] + [text]
    for candidate in candidates:
        start, end = candidate.find("{"), candidate.rfind("}")
        if start < 0 or end <= start:
            continue
        try:
            value = json.loads(candidate[start : end + 1])
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def parse_response(raw: str) -> ParsedResponse:
    """Read a model answer in elizaOS XML, JSON, or failing both, plain text."""
    text = raw.strip()
    if _STRUCTURED_RE.search(text):
        body = _xml_field(text, "response") or text
        reply = _xml_field(body, "text")
        return ParsedResponse(
            text=(reply or "").strip(),
            thought=(_xml_field(body, "thought") or "").strip(),
            actions=_split_names(_xml_field(body, "actions") or ""),
            providers=_split_names(_xml_field(body, "providers") or ""),
            structured=True,
        )
    data = _from_json(text)
    if data is not None and any(k in data for k in ("text", "actions", "action", "thought")):
        actions = data.get("actions", data.get("action", []))
        known = {"text", "thought", "actions", "action", "providers"}
        return ParsedResponse(
            text=str(data.get("text") or "").strip(),
            thought=str(data.get("thought") or "").strip(),
            actions=_split_names(actions),
            providers=_split_names(data.get("providers", [])),
            extra={k: v for k, v in data.items() if k not in known},
            structured=True,
        )
    return ParsedResponse(text=text)


def parse_should_respond(raw: str) -> str | None:
    """Return RESPOND, IGNORE or STOP from a should-respond answer, or None if unreadable."""
    parsed = _xml_field(raw, "action")
    if parsed is None:
        data = _from_json(raw)
        parsed = str(data.get("action", "")) if data else raw
    word = re.search(r"\b(RESPOND|IGNORE|STOP)\b", parsed.upper())
    return word.group(1) if word else None


def match_action(name: str, actions: Mapping[str, Iterable[str]]) -> str | None:
    """Find the action a model named: exact name first, then case-insensitive name or simile.

    ``actions`` maps each action's name to its similes.
    """
    if name in actions:
        return name
    wanted = _normalise(name)
    for action_name in actions:
        if _normalise(action_name) == wanted:
            return action_name
    for action_name, similes in actions.items():
        if any(_normalise(simile) == wanted for simile in similes):
            return action_name
    return None


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip()).upper()

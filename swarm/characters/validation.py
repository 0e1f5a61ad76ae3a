"""Checking a character and saying exactly where it is wrong.

Each problem reads ``path: message`` with the path in elizaOS JSON form, e.g.
``messageExamples[0][1].content.text: must be a string, got number``; ``(root)`` is the
document itself. Errors make the character unusable; warnings are worth fixing but loading
goes on (legacy fields mapped, unknown keys kept, plugins ignored, unusable examples).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from swarm.characters.legacy import normalize_legacy
from swarm.characters.model import Character
from swarm.characters.plugins import resolve_plugin_names

__all__ = [
    "ROOT",
    "ValidationResult",
    "error_lines",
    "join_path",
    "json_type",
    "validate_character",
    "validate_document",
]

ROOT = "(root)"
_IDENTIFIER_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_JSON_TYPES: dict[type, str] = {
    dict: "object",
    list: "list",
    tuple: "list",
    str: "string",
    bool: "boolean",
    int: "number",
    float: "number",
    type(None): "null",
}
_MESSAGES = {
    "missing": "is required",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
}


@dataclass(frozen=True)
class ValidationResult:
    """Whether a character is usable, and every problem as ``"path: message"``."""

    valid: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def json_type(value: object) -> str:
    """The JSON name of ``value``'s type, as a character file's author knows it."""
    for kind, name in _JSON_TYPES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def join_path(prefix: str, *parts: str | int) -> str:
    """``prefix`` extended by keys (``.key`` or ``["odd key"]``) and list indices (``[0]``)."""
    path = prefix
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER_RE.match(part):
            path += f".{part}" if path else part
        else:
            path += f"[{json.dumps(part, ensure_ascii=False)}]"
    return path


def _data_path(loc: Sequence[str | int], data: object) -> list[str | int]:
    """The part of a pydantic error location that exists in ``data``.

    pydantic adds union tags and validator names to locations; walking the data alongside
    keeps only real keys and indices. The last key is kept when the data lacks it (a
    missing field).
    """
    path: list[str | int] = []
    node: Any = data
    for i, part in enumerate(loc):
        in_mapping = isinstance(node, Mapping) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_mapping or in_list:
            node = node[part]
        elif i == len(loc) - 1 and isinstance(node, Mapping) and isinstance(part, str):
            node = None
        else:
            continue
        path.append(part)
    return path


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind in _MESSAGES:
        text = _MESSAGES[kind]
        return text if kind == "missing" else f"{text}, got {json_type(error['input'])}"
    text = error["msg"].removeprefix("Value error, ")
    return text[:1].lower() + text[1:]


def error_lines(exc: ValidationError, data: object, prefix: str = "") -> list[str]:
    """Each error of ``exc`` (raised validating ``data``) as ``"path: message"``, in order."""
    lines: list[str] = []
    for error in exc.errors():
        path = join_path(prefix, *_data_path(error["loc"], data)) or ROOT
        line = f"{path}: {_message(error)}"
        if line not in lines:
            lines.append(line)
    return lines


def _known_keys() -> frozenset[str]:
    keys = set()
    for name, info in Character.model_fields.items():
        keys.add(name)
        keys.add(info.alias or name)
    return frozenset(keys)


_KNOWN_KEYS = _known_keys()


def _warnings(data: Mapping[str, Any], prefix: str) -> list[str]:
    warnings = [
        f"{join_path(prefix, key)}: not an elizaOS character field; kept as is"
        for key in data
        if key not in _KNOWN_KEYS
    ]
    warnings += _inline_secret_warnings(data, prefix)
    plugins = data.get("plugins", [])
    if isinstance(plugins, list) and all(isinstance(p, str) for p in plugins):
        ignored = resolve_plugin_names(plugins).ignored
        if ignored:
            warnings.append(
                f"{join_path(prefix, 'plugins')}: no swarm equivalent for "
                f"{', '.join(ignored)}; ignored (TypeScript plugins do not run in swarm)"
            )
    return warnings


def _inline_secret_warnings(data: Mapping[str, Any], prefix: str) -> list[str]:
    """One warning per inline secrets map, naming its keys (never the values)."""
    settings = data.get("settings")
    places = [
        (join_path(prefix, "secrets"), data.get("secrets")),
        (
            join_path(prefix, "settings", "secrets"),
            settings.get("secrets") if isinstance(settings, Mapping) else None,
        ),
    ]
    return [
        f"{path}: carries secrets inline ({', '.join(str(k) for k in secrets)}); keep this "
        "file out of version control, and set SWARM_SECRETS_KEY so the memory store keeps "
        "them encrypted (without it they are not stored)"
        for path, secrets in places
        if isinstance(secrets, Mapping) and secrets
    ]


def _example_warnings(character: Character, prefix: str) -> list[str]:
    warnings = []
    for i, conversation in enumerate(character.message_examples):
        if not any(message.name == character.name for message in conversation):
            warnings.append(
                f"{join_path(prefix, 'messageExamples', i)}: no message from "
                f"{character.name!r}; the offline model cannot learn a reply from it"
            )
    return warnings


def validate_document(data: object, prefix: str = "") -> ValidationResult:
    """Like :func:`validate_character`, with every path under ``prefix`` (e.g. ``"[2]"``)."""
    if isinstance(data, Character):
        data = data.model_dump(by_alias=True)
    if not isinstance(data, Mapping):
        where = prefix or ROOT
        return ValidationResult(
            valid=False,
            errors=[f"{where}: must be an object (one character), got {json_type(data)}"],
        )
    normalised, notes = normalize_legacy(data)
    warnings = [join_path(prefix) + (f".{n}" if prefix else n) for n in notes]
    warnings += _warnings(normalised, prefix)
    try:
        character = Character.model_validate(normalised)
    except ValidationError as exc:
        return ValidationResult(
            valid=False, errors=error_lines(exc, normalised, prefix), warnings=warnings
        )
    warnings += _example_warnings(character, prefix)
    return ValidationResult(valid=True, errors=[], warnings=warnings)


def validate_character(data: object) -> ValidationResult:
    """Check one character (a mapping as parsed from JSON/YAML, or a :class:`Character`).

    Never raises for bad input: every problem is in the result, with its path.
    """
    return validate_document(data)

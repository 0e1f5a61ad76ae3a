"""Loading characters from any source, in one async call.

``await load_characters(source)`` reads a file, URL, module or the environment (see
:mod:`swarm.characters.sources`), normalises legacy fields, validates, and returns the
characters prepared (id and defaults filled, see :func:`prepare_character`).
``load_character`` does the same for a source holding exactly one character.
``validate_source`` reads the same sources and reports instead of raising: what
``swarm validate FILE...`` runs per file.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from swarm.characters.legacy import normalize_legacy
from swarm.characters.model import Character
from swarm.characters.plugins import resolve_plugin_names
from swarm.characters.prepare import prepare_character
from swarm.characters.sources import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S, read_source
from swarm.characters.validation import (
    ROOT,
    ValidationResult,
    error_lines,
    json_type,
    validate_document,
)
from swarm.errors import CharacterError
from swarm.security.redaction import SECRETS

__all__ = ["load_character", "load_characters", "validate_source"]

logger = logging.getLogger("swarm.characters")


async def load_characters(
    source: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Character]:
    """Every character in ``source``: a file or URL holding one character or a list of
    them, a Python module, or ``"env"``.

    ``env`` is the environment for ``"env"`` (default ``os.environ``); ``timeout_s`` and
    ``max_bytes`` bound URL sources. Raises :class:`CharacterError` naming the source and
    listing every problem as ``path: message`` when anything is unreadable or invalid.
    """
    label, document = await read_source(source, env=env, timeout_s=timeout_s, max_bytes=max_bytes)
    if not isinstance(document, list):
        characters = _characters([document], label, os.fspath(source), indexed=False)
    elif not document:
        raise CharacterError(f"{label}: holds an empty list; add a character", source=label)
    else:
        characters = _characters(document, label, os.fspath(source), indexed=True)
    return [_anchor_plugin_files(c, source) for c in characters]


async def load_character(
    source: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Character:
    """The one character in ``source``; like :func:`load_characters` otherwise.

    A source holding a list is an error even with one entry: use ``load_characters``.
    """
    label, document = await read_source(source, env=env, timeout_s=timeout_s, max_bytes=max_bytes)
    if isinstance(document, list):
        raise CharacterError(
            f"{label}: holds a list of {len(document)} characters, not one; "
            "use load_characters() to load them all",
            source=label,
        )
    return _anchor_plugin_files(
        _characters([document], label, os.fspath(source), indexed=False)[0], source
    )


_PLUGIN_FILE = re.compile(r"^(?P<path>[^:]+\.py):(?P<attr>[A-Za-z_][A-Za-z0-9_]*)$")


def _anchor_plugin_files(character: Character, source: str | os.PathLike[str]) -> Character:
    """Make ``path/to/plugin.py:attr`` plugin entries relative to the character's file.

    A character file names its own plugin files as they sit next to it, wherever the worker
    is started from; other sources (URLs, modules, env) leave entries as written.
    """
    base = Path(os.fspath(source)).parent
    if not Path(os.fspath(source)).is_file():
        return character
    plugins = []
    for entry in character.plugins:
        match = _PLUGIN_FILE.match(entry.strip())
        if match is not None and not Path(match["path"]).is_absolute():
            entry = f"{(base / match['path']).resolve()}:{match['attr']}"
        plugins.append(entry)
    if plugins == character.plugins:
        return character
    return character.model_copy(update={"plugins": plugins})


async def validate_source(
    source: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ValidationResult:
    """Check every character in ``source`` without raising.

    An unreadable or malformed source is one error (its message names the line and
    column); in a list, paths start with the index: ``[1].bio: must not be empty``.
    """
    try:
        _, document = await read_source(source, env=env, timeout_s=timeout_s, max_bytes=max_bytes)
    except CharacterError as exc:
        return ValidationResult(valid=False, errors=[str(exc)])
    if not isinstance(document, list):
        return validate_document(document)
    if not document:
        return ValidationResult(valid=False, errors=[f"{ROOT}: empty list; add a character"])
    results = [validate_document(item, f"[{i}]") for i, item in enumerate(document)]
    return ValidationResult(
        valid=all(r.valid for r in results),
        errors=[e for r in results for e in r.errors],
        warnings=[w for r in results for w in r.warnings],
    )


def _characters(
    documents: list[object], label: str, source: str, *, indexed: bool
) -> list[Character]:
    """Validate every document, then warn about plugins and prepare; all errors at once."""
    errors: list[str] = []
    characters: list[Character] = []
    for index, document in enumerate(documents):
        prefix = f"[{index}]" if indexed else ""
        if isinstance(document, Character):
            characters.append(document)
        elif not isinstance(document, Mapping):
            where = prefix or ROOT
            errors.append(f"{where}: must be an object (one character), got {json_type(document)}")
        else:
            try:
                characters.append(Character.model_validate(document, context={"source": label}))
            except ValidationError as exc:
                # Paths are walked in the data that was validated: the normalised form.
                errors.extend(error_lines(exc, normalize_legacy(document)[0], prefix))
    if errors:
        raise CharacterError(
            f"{label}: not a valid character ({len(errors)} problem(s)); fix these and check "
            f"with `swarm validate {source}`:",
            source=label,
            errors=errors,
        )
    for character in characters:
        ignored = resolve_plugin_names(character.plugins).ignored
        if ignored:
            logger.warning(
                "character %r from %s: ignoring elizaOS plugins with no swarm equivalent: %s",
                character.name,
                label,
                ", ".join(ignored),
            )
    for character in characters:
        _register_secrets(character)
    return [prepare_character(character) for character in characters]


def _register_secrets(character: Character) -> None:
    """Tell the log filter this character's secret values, so no log line shows them."""
    nested = character.settings.get("secrets")
    values = list(character.secrets.values())
    if isinstance(nested, Mapping):
        values += list(nested.values())
    SECRETS.register(*values)

"""Property-based fuzzing of the character loader and validator on arbitrary documents.

Whatever the document, loading raises nothing but CharacterError, validating raises
nothing at all, every problem names a path, and both agree on what is valid.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm.characters import load_characters
from swarm.characters.sources import parse_document
from swarm.characters.validation import validate_document
from swarm.errors import CharacterError

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# "path: message": the path is (root), a key or an index, then ": " and a message.
PATH_LINE = re.compile(r"^(\(root\)|[A-Za-z_$\[]).*?: \S")
FIELDS = [
    "name", "bio", "id", "username", "system", "templates", "messageExamples", "postExamples",
    "topics", "adjectives", "knowledge", "plugins", "settings", "secrets", "style",
    # legacy (v0) keys the loader normalises
    "lore", "clients", "modelProvider", "people", "message_examples",
]  # fmt: skip

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
example_message = st.fixed_dictionaries(
    {"name": st.sampled_from(["{{user1}}", "Eliza", "user"]) | json_values},
    optional={"content": st.fixed_dictionaries({}, optional={"text": json_values}) | json_values},
)
# Mostly character-shaped documents, so the fuzzing reaches deep paths, plus anything.
field_values: dict[str, Any] = {field: json_values for field in FIELDS}
field_values["name"] = st.sampled_from(["Eliza", "", " "]) | json_values
field_values["bio"] = st.text() | st.lists(st.text(), max_size=3) | json_values
field_values["messageExamples"] = st.lists(st.lists(example_message, max_size=3), max_size=2)
field_values["knowledge"] = st.lists(
    st.text() | st.fixed_dictionaries({"path": json_values}) | json_values, max_size=3
)
documents = (
    st.fixed_dictionaries({}, optional=field_values).flatmap(
        lambda d: st.dictionaries(st.text(), json_values, max_size=2).map(lambda x: {**x, **d})
    )
    | json_values
    | st.lists(st.fixed_dictionaries({"name": json_values, "bio": json_values}), max_size=3)
)


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="swarm-fuzz-") as name:
        yield Path(name)


def assert_paths(lines: list[str]) -> None:
    assert lines, "an invalid character must list at least one problem"
    for line in lines:
        assert PATH_LINE.match(line), f"problem without a path: {line!r}"


@FUZZ
@given(document=documents)
def test_validate_never_raises_and_every_error_names_a_path(document: object) -> None:
    """validate_document returns a result for any JSON value; each error starts with a path."""
    result = validate_document(document)
    if not result.valid:
        assert_paths(result.errors)
    for warning in result.warnings:
        assert PATH_LINE.match(warning), f"warning without a path: {warning!r}"


@FUZZ
@given(document=documents)
def test_loading_raises_only_character_error_and_agrees_with_validate(
    document: object, workdir: Path
) -> None:
    """load_characters on any JSON file returns characters or raises CharacterError whose
    problems name paths; it fails exactly when validation finds the document invalid."""
    path = workdir / "fuzz.json"
    path.write_text(json.dumps(document))
    error: CharacterError | None = None
    try:
        characters = anyio.run(load_characters, path)
    except CharacterError as exc:
        error = exc
    if error is None:
        assert characters
    elif error.errors:
        assert_paths(error.errors)
    else:  # a whole-document problem (an empty list) is named by the file itself
        assert str(path) in str(error)
    loaded = error is None
    items = document if isinstance(document, list) else [document]
    valid = bool(items) and all(
        validate_document(item, f"[{i}]").valid for i, item in enumerate(items)
    )
    assert loaded == valid


@FUZZ
@given(raw=st.text(max_size=300) | st.binary(max_size=300), fmt=st.sampled_from(["json", "yaml"]))
def test_parsing_any_text_raises_only_character_error(raw: str | bytes, fmt: str) -> None:
    """Malformed JSON or YAML text, or bytes that are not UTF-8, give CharacterError only."""
    message = ""
    try:
        parse_document(raw, source="fuzz", fmt=fmt)  # type: ignore[arg-type]
    except CharacterError as exc:
        message = str(exc)
    assert message == "" or message.startswith("fuzz")

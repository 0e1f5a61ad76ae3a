"""swarm.ids.string_to_uuid against vectors computed here, independently, from the algorithm.

elizaOS's ``stringToUuid``: SHA-1 of the ``encodeURIComponent``-escaped UTF-8 string; the
UUID is digest bytes 0-3, 4-5, (6 & 0x0f) 7, ((8 & 0x3f) | 0x80) 9, 10-15, in hex.
"""

from __future__ import annotations

import hashlib
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarm.ids import derived_id, incoming_id, is_uuid, response_id, string_to_uuid

# encodeURIComponent leaves exactly these unescaped (ECMA-262, "uriUnreserved").
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-_.!~*'()")


def encode_uri_component(text: str) -> str:
    """JavaScript's encodeURIComponent, written out byte by byte."""
    out = []
    for char in text:
        if char in _UNRESERVED:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def expected_uuid(text: str) -> str:
    """The elizaOS UUID of ``text``, computed from the published algorithm."""
    digest = hashlib.sha1(encode_uri_component(text).encode("ascii")).digest()
    b = list(digest[:16])
    b[6] &= 0x0F
    b[8] = (b[8] & 0x3F) | 0x80
    h = bytes(b).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def test_known_vector_for_test() -> None:
    """string_to_uuid("test") is the value elizaOS documents for it."""
    assert string_to_uuid("test") == "a94a8fe5-ccb1-0ba6-9c4c-0873d391e987"


def test_independent_implementation_agrees_on_test() -> None:
    """The test's own implementation reproduces the documented vector (it is a valid oracle)."""
    assert expected_uuid("test") == "a94a8fe5-ccb1-0ba6-9c4c-0873d391e987"


@pytest.mark.parametrize(
    "text",
    [
        "Eliza",
        "hello world",
        "a/b?c=d&e#f",
        "100% sure",
        "",
        "café",
        "日本語のテキスト",
        "emoji 🙂 and 🧪",
        "Ünïcödé Ärger",
        "tab\tnewline\n",
    ],
)
def test_matches_algorithm(text: str) -> None:
    """ASCII, reserved characters, non-ASCII and astral-plane text hash as elizaOS does."""
    assert string_to_uuid(text) == expected_uuid(text)


def test_uri_unreserved_characters_are_not_escaped() -> None:
    """Characters encodeURIComponent leaves alone (-_.!~*'()) are hashed as themselves."""
    text = "-_.!~*'()"
    assert encode_uri_component(text) == text
    assert string_to_uuid(text) == expected_uuid(text)
    # Escaping them would hash different bytes: the id would differ from elizaOS's.
    assert string_to_uuid(text) != _sha1_uuid_of_raw("%2D%5F%2E%21%7E%2A%27%28%29")


def _sha1_uuid_of_raw(raw: str) -> str:
    digest = bytearray(hashlib.sha1(raw.encode("ascii")).digest()[:16])
    digest[6] &= 0x0F
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def test_version_nibble_zero_and_variant_bits_set() -> None:
    """The version nibble is 0 and the variant bits are 10xx, for any input."""
    value = string_to_uuid("swarm")
    assert value[14] == "0"
    assert value[19] in "89ab"


def test_uuid_input_returned_unchanged() -> None:
    """A string that is already a UUID is returned as is, not hashed."""
    given_id = "123e4567-E89B-12d3-a456-426614174000"
    assert string_to_uuid(given_id) == given_id


def test_almost_uuid_is_hashed() -> None:
    """A string one digit short of a UUID is hashed like any other text."""
    almost = "123e4567-e89b-12d3-a456-42661417400"
    assert string_to_uuid(almost) == expected_uuid(almost)


@pytest.mark.parametrize(
    ("number", "js_text"),
    [
        (1, "1"),
        (-7, "-7"),
        (1.5, "1.5"),
        (1.0, "1"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.2345678901234568e20, "123456789012345680000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (2.5e-5, "0.000025"),
        (-1.5e-10, "-1.5e-10"),
        (2**53 + 1, "9007199254740992"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
    ],
)
def test_numbers_stringified_as_javascript(number: float, js_text: str) -> None:
    """A number hashes as the text JavaScript's toString() gives it."""
    assert string_to_uuid(number) == expected_uuid(js_text)


@pytest.mark.parametrize("value", [True, False, None, ["a"], {"a": 1}, b"bytes"])
def test_non_string_non_number_is_type_error(value: object) -> None:
    """Booleans, None, lists, dicts and bytes are refused with TypeError naming the type."""
    with pytest.raises(TypeError, match=type(value).__name__):
        string_to_uuid(value)  # type: ignore[arg-type]


def test_lone_surrogate_is_value_error() -> None:
    """A lone surrogate cannot be URI-encoded (encodeURIComponent throws too)."""
    with pytest.raises(ValueError, match="URI component"):
        string_to_uuid("bad \ud800 text")


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_any_text_matches_algorithm(text: str) -> None:
    """For arbitrary text, string_to_uuid agrees with the independent implementation."""
    if is_uuid(text):
        assert string_to_uuid(text) == text
    else:
        assert string_to_uuid(text) == expected_uuid(text)


def test_is_uuid_accepts_upper_case_and_rejects_braces() -> None:
    """is_uuid takes canonical 8-4-4-4-12 hex in either case, nothing else."""
    assert is_uuid("A94A8FE5-CCB1-0BA6-9C4C-0873D391E987")
    assert not is_uuid("{a94a8fe5-ccb1-0ba6-9c4c-0873d391e987}")
    assert not is_uuid(42)


def test_derived_id_hashes_joined_parts() -> None:
    """derived_id(a, b) is string_to_uuid("a:b"), so a redelivery maps to the same id."""
    assert derived_id("m1", "agent") == expected_uuid("m1:agent")


def test_incoming_and_response_ids_differ_per_agent_and_role() -> None:
    """One message id yields distinct, stable incoming and response ids for each agent."""
    ids = {
        incoming_id("m1", "a"),
        incoming_id("m1", "b"),
        response_id("m1", "a"),
        response_id("m1", "b"),
    }
    assert len(ids) == 4
    assert incoming_id("m1", "a") == expected_uuid("in:m1:a")
    assert response_id("m1", "a") == expected_uuid("re:m1:a")


def test_derived_id_of_one_uuid_is_that_uuid() -> None:
    """derived_id of a single part is string_to_uuid of it: a UUID comes back unchanged."""
    agent = "0e8ebcf0-8c0b-4f4e-9bd7-7e1d3e1c9c4f"
    assert derived_id(agent) == agent


@given(st.lists(st.text(max_size=12), min_size=2, max_size=4))
def test_derived_id_of_several_parts_is_the_uuid_of_their_join(parts: list[str]) -> None:
    """For two parts or more, derived_id agrees with string_to_uuid of the ":"-joined text."""
    try:
        expected = string_to_uuid(":".join(parts))
    except ValueError:
        with pytest.raises(ValueError, match="cannot encode"):
            derived_id(*parts)
        return
    assert derived_id(*parts) == expected

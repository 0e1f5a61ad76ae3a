"""Word tokens of the offline model: the ASCII shortcut reads text as the Unicode rule does."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from swarm.models.tokens import words

# The rule as documented: letters and digits of any script, an inner apostrophe kept.
_UNICODE_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def reference_words(text: str) -> list[str]:
    return _UNICODE_WORD_RE.findall(text.lower().replace("’", "'"))


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_words_follow_the_unicode_rule_for_any_text(text: str) -> None:
    """Whatever the text (ASCII or not), the tokens are those of the Unicode pattern."""
    assert words(text) == reference_words(text)


def test_letters_that_lower_to_ascii_are_words() -> None:
    """The Kelvin sign lower-cases to "k": the text is read after lower-casing."""
    assert words("\u212aing don’t Stop_now 42x") == ["king", "don't", "stop", "now", "42x"]

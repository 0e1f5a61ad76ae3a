"""Word tokens and character n-grams, the features of the offline model's similarity."""

from __future__ import annotations

import functools
import re

__all__ = ["STOPWORDS", "char_ngrams", "content_words", "stem", "terms", "words"]

# Letters and digits of any script; an inner apostrophe keeps "don't" one word.
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
# The same for ASCII text, where a letter or digit is [a-z0-9] once lower-cased (faster).
_ASCII_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)?")
# Distinct words whose term is remembered: words recur (Zipf), so a few thousand cover most
# of what a chat says.
_WORD_CACHE_SIZE = 4096

STOPWORDS = frozenset(
    """a about an and are as at be been but by can could did do does for from had has have he
    her him his how i i'm if in into is it it's its just me my of on or our she so than that
    the their them then there they this to too up us was we were what when where which who
    why will with would you your like please some any very really also""".split()  # noqa: SIM905 (a word list reads best as text)
)
"""Words too common to tell two messages apart; they still count, with a small weight."""


def words(text: str) -> list[str]:
    """Lower-cased word tokens of ``text``."""
    lowered = text.lower()
    if lowered.isascii():
        return _ASCII_WORD_RE.findall(lowered)
    return _WORD_RE.findall(lowered.replace("’", "'"))


def stem(word: str) -> str:
    """Strip the commonest English inflections, so "books" finds "book" and "asked" "ask".

    Deliberately timid: a wrong merge costs more than a missed one on short messages.
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        return word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    return word


def terms(text: str) -> list[str]:
    """:func:`words`, stemmed except for stopwords (which stay recognisable as such)."""
    return list(map(_term, words(text)))


@functools.lru_cache(maxsize=_WORD_CACHE_SIZE)
def _term(word: str) -> str:
    return word if word in STOPWORDS else stem(word)


def content_words(tokens: list[str]) -> list[str]:
    """The tokens that are not stopwords, or all of them when every one is a stopword.

    "who are you?" must still be matchable, so a message made only of stopwords keeps them.
    """
    kept = [t for t in tokens if t not in STOPWORDS]
    return kept or tokens


def char_ngrams(tokens: list[str], n: int = 3) -> list[str]:
    """Character n-grams of each token padded with ``<`` and ``>``: robust to typos."""
    grams: list[str] = []
    for token in tokens:
        padded = f"<{token}>"
        if len(padded) <= n:
            grams.append(padded)
        else:
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams

"""Lexical similarity for short messages: TF-IDF cosine over words and character trigrams.

Pure Python and built once per set of documents (a character's example turns, a list of
actions): a query costs a few dictionary look-ups per feature plus one pass over the
postings of the features it shares with the documents, so it stays cheap on the hot path.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from swarm.models.tokens import STOPWORDS, char_ngrams, content_words, terms

__all__ = ["Features", "SimilarityIndex", "featurize"]

# Stopwords still say something ("who are you" vs "where are you") but far less than
# content words; with a handful of documents IDF alone cannot learn that.
_STOPWORD_WEIGHT = 0.25
# Distinct tokens whose trigrams are remembered: words recur (Zipf), so a few thousand
# cover most of what a chat says.
_TOKEN_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Features:
    """A text's word and character-trigram counts, computed once and scored against many indexes."""

    words: Mapping[str, int]
    grams: Mapping[str, int]


def featurize(text: str) -> Features:
    """Extract the features :class:`SimilarityIndex` compares."""
    tokens = terms(text)
    # Plain dicts counted in place: Counter's constructor costs more than the counting here.
    words: dict[str, int] = {}
    for token in tokens:
        words[token] = words.get(token, 0) + 1
    grams: dict[str, int] = {}
    for token in content_words(tokens):
        for gram in _token_grams(token):
            grams[gram] = grams.get(gram, 0) + 1
    return Features(words, grams)


@functools.lru_cache(maxsize=_TOKEN_CACHE_SIZE)
def _token_grams(token: str) -> tuple[str, ...]:
    return tuple(char_ngrams([token]))


def _idf(n_docs: int, df: int) -> float:
    # BM25's IDF, shifted to stay positive: a feature in every document still counts a little.
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


class _Channel:
    """Normalised TF-IDF postings of one kind of feature."""

    __slots__ = ("_damped", "_idf", "_known", "_unknown_idf")

    def __init__(self, docs: Sequence[Mapping[str, int]], damped: frozenset[str]) -> None:
        n_docs = len(docs)
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        self._damped = damped
        self._idf = {f: _idf(n_docs, c) * self._damp(f) for f, c in df.items()}
        self._unknown_idf = _idf(n_docs, 0)
        postings: dict[str, list[tuple[int, float]]] = {}
        for index, doc in enumerate(docs):
            vector = {f: (1.0 + math.log(tf)) * self._idf[f] for f, tf in doc.items()}
            norm = math.sqrt(sum(w * w for w in vector.values()))
            if norm == 0.0:
                continue
            for feature, weight in vector.items():
                postings.setdefault(feature, []).append((index, weight / norm))
        # A query feature costs one look-up: its IDF and postings together.
        self._known = {f: (idf, tuple(postings.get(f, ()))) for f, idf in self._idf.items()}

    def _damp(self, feature: str) -> float:
        return _STOPWORD_WEIGHT if feature in self._damped else 1.0

    def add_cosines(self, query: Mapping[str, int], scale: float, into: list[float]) -> None:
        """Add ``scale`` times the cosine of ``query`` with each document to ``into``."""
        shared: list[tuple[float, tuple[tuple[int, float], ...]]] = []
        norm2 = 0.0
        known = self._known
        for feature, tf in query.items():
            entry = known.get(feature)
            tf_weight = 1.0 if tf == 1 else 1.0 + math.log(tf)
            if entry is None:
                # Unknown features match nothing but make the query less similar to everything.
                damp = _STOPWORD_WEIGHT if feature in self._damped else 1.0
                weight = tf_weight * self._unknown_idf * damp
            else:
                weight = tf_weight * entry[0]
                shared.append((weight, entry[1]))
            norm2 += weight * weight
        if not shared:
            return
        factor = scale / math.sqrt(norm2)
        for weight, postings in shared:
            scaled = weight * factor
            for index, doc_weight in postings:
                into[index] += scaled * doc_weight


class SimilarityIndex:
    """Documents indexed for cosine similarity with a query, in [0, 1].

    The score blends word cosine (weight ``word_weight``) and character-trigram cosine, so
    "weather" still finds "wheather" and "whats up" finds "what's up".
    """

    __slots__ = ("_grams", "_size", "_word_weight", "_words")

    def __init__(self, texts: Sequence[str], *, word_weight: float = 0.5) -> None:
        if not 0.0 <= word_weight <= 1.0:
            raise ValueError(f"word_weight must be within [0, 1], got {word_weight}")
        features = [featurize(text) for text in texts]
        self._size = len(texts)
        self._word_weight = word_weight
        self._words = _Channel([f.words for f in features], STOPWORDS)
        self._grams = _Channel([f.grams for f in features], frozenset())

    def __len__(self) -> int:
        return self._size

    def scores(self, query: str | Features) -> list[float]:
        """The similarity of ``query`` to each document, in document order."""
        features = featurize(query) if isinstance(query, str) else query
        out = [0.0] * self._size
        self._words.add_cosines(features.words, self._word_weight, out)
        self._grams.add_cosines(features.grams, 1.0 - self._word_weight, out)
        return out

    def best(self, query: str | Features) -> tuple[int, float]:
        """The most similar document and its score (the first wins a tie), or ``(-1, 0.0)``."""
        scores = self.scores(query)
        top = max(scores, default=0.0)
        return (scores.index(top), top) if top > 0.0 else (-1, 0.0)

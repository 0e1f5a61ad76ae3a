"""A deterministic lexical embedder: signed feature hashing of words and character trigrams.

It knows no meaning, only spelling: texts sharing words (or most of their letters) point the
same way. The hash is BLAKE2b, not Python's salted ``hash()``, so every process, machine and
restart maps a text to the same vector and stored embeddings stay comparable.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

from swarm.errors import ConfigError
from swarm.models.tokens import STOPWORDS, char_ngrams, content_words, terms

__all__ = ["DEFAULT_DIMENSION", "HashingEmbedder", "cosine"]

DEFAULT_DIMENSION = 384
"""The vector size of the common small sentence embedders, and the store's default."""

_WORD_WEIGHT = 1.0
_STOPWORD_WEIGHT = 0.25
_GRAM_WEIGHT = 0.5
# Embedding "" must still give a unit vector: a zero vector has no cosine with anything.
_EMPTY_FEATURE = "\x00empty"


@lru_cache(maxsize=1 << 16)
def _feature_hash(feature: str) -> int:
    """A stable 64-bit hash of a feature; its low bits pick the bucket, its top bit the sign."""
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8, person=b"swarm-embed")
    return int.from_bytes(digest.digest(), "little")


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two vectors of the same length (0.0 when either is zero)."""
    if len(a) != len(b):
        raise ValueError(f"cannot compare vectors of dimensions {len(a)} and {len(b)}")
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return 0.0 if na == 0.0 or nb == 0.0 else dot / (na * nb)


class HashingEmbedder:
    """Embed text as an L2-normalised ``dimension``-vector of hashed, signed features."""

    __slots__ = ("dimension",)

    def __init__(self, dimension: int = DEFAULT_DIMENSION) -> None:
        if dimension < 1:
            raise ConfigError(
                f"embedding dimension must be a positive integer, got {dimension}; "
                "set SWARM_EMBEDDING_DIMENSION to the store's vector size (default 384)"
            )
        self.dimension = dimension

    def embed(self, text: str) -> list[float]:
        """The embedding of ``text``; deterministic across processes and machines."""
        tokens = terms(text)
        features: dict[str, float] = {}
        for token in tokens:
            feature = "w:" + token
            weight = _STOPWORD_WEIGHT if token in STOPWORDS else _WORD_WEIGHT
            features[feature] = features.get(feature, 0.0) + weight
        for gram in char_ngrams(content_words(tokens)):
            feature = "g:" + gram
            features[feature] = features.get(feature, 0.0) + _GRAM_WEIGHT
        if not features:
            features[_EMPTY_FEATURE] = 1.0
        # Sparse until the end: a message touches a few dozen of the buckets.
        buckets: dict[int, float] = {}
        for feature, count in features.items():
            h = _feature_hash(feature)
            # Sublinear term frequency: a word said five times is not five times the topic.
            weight = math.sqrt(count) if h >> 63 else -math.sqrt(count)
            bucket = h % self.dimension
            buckets[bucket] = buckets.get(bucket, 0.0) + weight
        vector = [0.0] * self.dimension
        norm = math.sqrt(sum(v * v for v in buckets.values()))
        if norm == 0.0:  # every feature cancelled out in its bucket: vanishingly rare
            vector[_feature_hash(_EMPTY_FEATURE) % self.dimension] = 1.0
            return vector
        for bucket, value in buckets.items():
            vector[bucket] = value / norm
        return vector

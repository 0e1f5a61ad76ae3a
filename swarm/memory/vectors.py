"""Embeddings: dimension checks, the packed float32 form and exact cosine similarity.

The exact path (PostgreSQL without pgvector, SQLite) stores float32 bytes and ranks in
Python; pgvector stores float4 too, so both paths see the same numbers and rank alike.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

from swarm.errors import EmbeddingDimensionError

__all__ = ["check_dimension", "cosine_similarity", "pack", "round_float32", "unpack"]


def check_dimension(embedding: Sequence[float], dimension: int, where: str) -> None:
    """Raise :class:`EmbeddingDimensionError` when ``embedding`` has the wrong length."""
    if len(embedding) != dimension:
        raise EmbeddingDimensionError(
            f"{where}: embedding has {len(embedding)} dimensions but this store is configured "
            f"for {dimension}; embed with a model of dimension {dimension} or create the store "
            f"with embedding_dimension={len(embedding)}"
        )


def pack(embedding: Sequence[float]) -> bytes:
    """The float32 little-endian bytes the exact path stores."""
    return array("f", embedding).tobytes()


def unpack(data: bytes) -> list[float]:
    """Inverse of :func:`pack`."""
    values = array("f")
    values.frombytes(data)
    return values.tolist()


def round_float32(embedding: Sequence[float]) -> list[float]:
    """``embedding`` as float32 would store it (what every path compares)."""
    return array("f", embedding).tolist()


def cosine_similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """1 - cosine distance, computed in double precision like pgvector's ``<=>``."""
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(math.fsum(x * x for x in a))
    nb = math.sqrt(math.fsum(y * y for y in b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return dot / (na * nb)

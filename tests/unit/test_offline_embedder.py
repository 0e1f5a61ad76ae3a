"""The offline hashing embedder and the similarity index behind the offline replies."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from swarm.errors import ConfigError
from swarm.models import HashingEmbedder, cosine
from swarm.models.similarity import SimilarityIndex


def test_embedding_has_the_configured_dimension_and_unit_length() -> None:
    """Vectors have ``dimension`` entries and an L2 norm of 1."""
    vector = HashingEmbedder(64).embed("The quick brown fox")

    assert len(vector) == 64
    assert math.sqrt(sum(x * x for x in vector)) == pytest.approx(1.0)


def test_default_dimension_is_384() -> None:
    """Without arguments the embedder matches the store's default vector size."""
    assert len(HashingEmbedder().embed("hello")) == 384


def test_similar_texts_are_closer_than_unrelated_ones() -> None:
    """Texts sharing words have a higher cosine than texts sharing none."""
    embed = HashingEmbedder().embed
    anchor = embed("the cat sat on the warm mat")

    similar = cosine(anchor, embed("a cat sat on a mat"))
    unrelated = cosine(anchor, embed("stock markets fell sharply on Monday"))

    assert similar > 0.5
    assert similar > unrelated + 0.3


def test_typos_stay_close() -> None:
    """A misspelling keeps most of the character trigrams, so the cosine stays high."""
    embed = HashingEmbedder().embed

    assert cosine(embed("weather forecast"), embed("wheather forcast")) > 0.4


def test_empty_text_is_a_unit_vector() -> None:
    """The empty string still embeds to a unit vector (a zero vector has no cosine)."""
    vector = HashingEmbedder(32).embed("")

    assert math.sqrt(sum(x * x for x in vector)) == pytest.approx(1.0)


def test_embedding_is_the_same_in_another_process() -> None:
    """A fresh interpreter with another hash seed computes the identical vector."""
    text = "Deterministic across processes, café naïve"
    code = (
        "import json, sys; from swarm.models import HashingEmbedder; "
        "print(json.dumps(HashingEmbedder(48).embed(sys.argv[1])))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}

    out = subprocess.run(
        [sys.executable, "-c", code, text], capture_output=True, text=True, check=True, env=env
    )

    assert json.loads(out.stdout) == HashingEmbedder(48).embed(text)


def test_dimension_below_one_is_a_config_error() -> None:
    """A non-positive dimension is refused, naming the setting to fix."""
    with pytest.raises(ConfigError, match="SWARM_EMBEDDING_DIMENSION"):
        HashingEmbedder(0)


def test_cosine_refuses_vectors_of_different_dimensions() -> None:
    """Comparing a 2- and a 3-vector is an error, not a silent truncation."""
    with pytest.raises(ValueError, match="dimensions 2 and 3"):
        cosine([1.0, 0.0], [1.0, 0.0, 0.0])


def test_index_ranks_the_document_sharing_content_words_first() -> None:
    """The document with the query's content words outranks one sharing only stopwords."""
    index = SimilarityIndex(["what is the time", "what is the capital of France"])

    scores = index.scores("capital of France?")

    assert scores[1] > scores[0]
    assert index.best("capital of France?")[0] == 1


def test_index_scores_identical_text_as_one() -> None:
    """A query equal to a document scores 1 against it."""
    index = SimilarityIndex(["hello there", "goodbye now"])

    assert index.scores("hello there")[0] == pytest.approx(1.0)


def test_index_best_of_no_match_is_minus_one() -> None:
    """A query sharing no feature with any document finds nothing."""
    assert SimilarityIndex(["alpha beta"]).best("zzz") == (-1, 0.0)


def test_index_stems_plurals() -> None:
    """ "books" and "book" are the same word to the index."""
    index = SimilarityIndex(["a good book", "a fine dinner"])

    assert index.best("books")[0] == 0

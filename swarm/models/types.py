"""Model types and the handler contract shared by the runtime and the model providers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Any

__all__ = ["ModelHandler", "ModelType"]


class ModelType(StrEnum):
    """The kinds of model call, named as in elizaOS."""

    TEXT_SMALL = "TEXT_SMALL"
    TEXT_LARGE = "TEXT_LARGE"
    TEXT_REASONING_SMALL = "REASONING_SMALL"
    TEXT_REASONING_LARGE = "REASONING_LARGE"
    TEXT_COMPLETION = "TEXT_COMPLETION"
    TEXT_EMBEDDING = "TEXT_EMBEDDING"
    TEXT_TOKENIZER_ENCODE = "TEXT_TOKENIZER_ENCODE"
    TEXT_TOKENIZER_DECODE = "TEXT_TOKENIZER_DECODE"
    OBJECT_SMALL = "OBJECT_SMALL"
    OBJECT_LARGE = "OBJECT_LARGE"
    IMAGE = "IMAGE"
    IMAGE_DESCRIPTION = "IMAGE_DESCRIPTION"
    TRANSCRIPTION = "TRANSCRIPTION"
    TEXT_TO_SPEECH = "TEXT_TO_SPEECH"
    AUDIO = "AUDIO"
    VIDEO = "VIDEO"


ModelHandler = Callable[[Any, Mapping[str, Any]], Awaitable[Any]]
"""``async handler(runtime, params) -> result``.

Parameters by model type (keys of ``params``):

- TEXT_* : ``prompt`` (str), optional ``system`` (str), ``input`` (the latest incoming
  message text), ``actions`` (a list of ``{"name", "description", "similes", "examples"}``
  the model may choose from; when given the model answers in elizaOS's XML response
  format ``<response><thought/><actions>NAME</actions><text/></response>``),
  ``temperature``, ``max_tokens``, ``stop`` (list of str), ``on_chunk`` (an async callable
  taking each streamed text fragment). Returns the text (str).
- TEXT_EMBEDDING: ``text`` (str). Returns ``list[float]``.
- OBJECT_*: ``prompt``, optional ``schema`` (JSON schema dict). Returns a dict.
"""

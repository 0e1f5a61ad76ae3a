"""Model types and the handler contract shared by the runtime and the model providers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Any, Protocol

__all__ = ["ModelHandler", "ModelRegistry", "ModelText", "ModelType", "model_info"]


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

``runtime`` is the calling ``AgentRuntime``; handlers read ``runtime.character`` (its
``name``, ``bio``, ``system``, ``message_examples``) and nothing else from it.

Parameters by model type (keys of ``params``):

- TEXT_* : ``prompt`` (str), optional ``system`` (str; default: the character's ``system``),
  ``input`` (the latest incoming message text; without it the offline model reads the
  prompt's last line), ``user_name`` (the sender's display name, for ``{{user}}``
  placeholders), ``actions`` (a list of ``{"name", "description", "similes", "examples"}``
  the model may choose from, ``examples`` being elizaOS action examples: a list of
  conversations, each a list of ``{"name", "content": {"text", "actions"}}``; when given the
  model answers in elizaOS's XML response format
  ``<response><thought/><actions>NAME</actions><text/></response>`` with XML-escaped text),
  ``temperature``, ``max_tokens``, ``stop`` (list of str), ``on_chunk`` (an async callable
  taking each streamed text fragment; the return value is still the whole text).
  Returns the text as a :class:`ModelText` (a ``str``; see :func:`model_info`).
- TEXT_EMBEDDING: ``text`` (str; ``None`` or missing embeds the empty string).
  Returns ``list[float]``.
- OBJECT_*: ``prompt``, optional ``system``, optional ``schema`` (JSON schema dict).
  Returns a dict.
"""


class ModelText(str):
    """A model's text answer that remembers which provider and model produced it.

    It is a ``str`` everywhere, but msgspec encodes only exact ``str``: store or send
    ``str(text)`` (slicing, ``strip()`` and parsing already give plain strings) and put
    :func:`model_info` into ``Content.data``.
    """

    provider: str
    model: str

    def __new__(cls, text: str, *, provider: str, model: str) -> ModelText:
        self = super().__new__(cls, text)
        self.provider = provider
        self.model = model
        return self


def model_info(result: object) -> dict[str, str]:
    """``{"provider": ..., "model": ...}`` for a handler's result, ``{}`` when it says nothing.

    The offline model answers ``{"provider": "offline", "model": "offline"}``, so a reply it
    wrote is marked as such in ``Content.data``.
    """
    if isinstance(result, ModelText):
        return {"provider": result.provider, "model": result.model}
    return {}


class ModelRegistry(Protocol):
    """What a provider's ``register`` needs from the runtime."""

    def register_model(
        self, model_type: ModelType, handler: ModelHandler, provider: str, priority: int = 0
    ) -> None: ...

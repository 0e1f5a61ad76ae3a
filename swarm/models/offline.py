"""The offline model: answers from the character itself when no model endpoint is configured.

It needs nothing and claims nothing: replies come from the character's own message examples
chosen by lexical similarity, actions by similarity to their descriptions and examples,
embeddings from a hashing embedder. Every text it returns is a :class:`ModelText` with
``provider == model == "offline"`` so the pipeline can mark the reply (``model_info``).
"""

from __future__ import annotations

import inspect
import re
from collections import OrderedDict
from collections.abc import Mapping
from operator import is_
from typing import Any, Generic, TypeVar

from swarm.models.actions import ActionChooser, ActionSpec, action_specs, response_xml
from swarm.models.embedder import DEFAULT_DIMENSION, HashingEmbedder
from swarm.models.replies import ReplyBook
from swarm.models.similarity import featurize
from swarm.models.types import ModelHandler, ModelRegistry, ModelText, ModelType

__all__ = ["OFFLINE_PRIORITY", "OfflineModel", "offline_model_handlers"]

OFFLINE_PRIORITY = -100
"""Below any configured provider: the offline model is the last fallback, never the choice."""

_NAME = "offline"
# "(just now) [1a2b3] Alice: hello" -> "hello": elizaOS formats conversation lines like this.
_SPEAKER_PREFIX_RE = re.compile(r"^(?:\([^)]*\)\s*)?(?:\[[^\]]*\]\s*)?[\w .'@-]{1,40}:\s+")
_THOUGHT_LIMIT = 80

Specs = tuple[ActionSpec, ...]
K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    """A small least-recently-used map: indexes are built once per character and kept."""

    __slots__ = ("_items", "_size")

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        if len(self._items) > self._size:
            self._items.popitem(last=False)


def _incoming_text(params: Mapping[str, Any]) -> str:
    """The message to answer: ``params["input"]``, else the prompt's last non-empty line."""
    text = params.get("input")
    if isinstance(text, str) and text.strip():
        return text
    prompt = params.get("prompt")
    if not isinstance(prompt, str):
        return ""
    for line in reversed(prompt.splitlines()):
        if line.strip():
            return _SPEAKER_PREFIX_RE.sub("", line.strip(), count=1)
    return ""


def _schema_skeleton(schema: object) -> Any:
    """The emptiest value a JSON schema accepts: defaults, first enum values, zeros."""
    if not isinstance(schema, Mapping):
        return None
    if "default" in schema:
        return schema["default"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    properties = schema.get("properties")
    if kind == "object" or isinstance(properties, Mapping):
        props = properties if isinstance(properties, Mapping) else {}
        return {key: _schema_skeleton(sub) for key, sub in props.items()}
    empty: dict[object, Any] = {"array": [], "string": "", "number": 0, "integer": 0}
    return empty.get(kind, False if kind == "boolean" else None)


class OfflineModel:
    """The model that needs nothing: text, action choice, embeddings and objects, offline.

    Indexes are built the first time a character (or a set of actions) is seen and kept in
    small LRUs keyed by object identity: characters and registered actions are not mutated
    after loading. Same character and input, same answer.
    """

    name = _NAME

    def __init__(
        self,
        *,
        embedding_dimension: int = DEFAULT_DIMENSION,
        default_user_name: str = "friend",
        min_similarity: float = 0.12,
        action_threshold: float = 0.3,
        cache_size: int = 256,
    ) -> None:
        self.embedder = HashingEmbedder(embedding_dimension)
        self.default_user_name = default_user_name
        self.min_similarity = min_similarity
        self.action_threshold = action_threshold
        # Values hold the character too: an id() is only unique while its object lives.
        self._books: _Lru[int, tuple[object, ReplyBook]] = _Lru(cache_size)
        self._specs_cache: _Lru[tuple[str, tuple[int, ...]], tuple[tuple[object, ...], Specs]]
        self._specs_cache = _Lru(cache_size)
        self._choosers: _Lru[
            tuple[int, tuple[int, ...]], tuple[object, tuple[object, ...], ActionChooser]
        ]
        self._choosers = _Lru(cache_size)
        # The last book and chooser used: a runtime asks for the same ones message after
        # message, so most calls end here without building a key.
        self._last_book: tuple[object, ReplyBook] | None = None
        self._last_chooser: tuple[object, tuple[object, ...], ActionChooser] | None = None

    def reply_book(self, character: object) -> ReplyBook:
        """The character's indexed examples, built on first use."""
        last = self._last_book
        if last is not None and last[0] is character:
            return last[1]
        cached = self._books.get(id(character))
        if cached is None or cached[0] is not character:
            cached = (character, ReplyBook(character, min_similarity=self.min_similarity))
            self._books.put(id(character), cached)
        self._last_book = cached
        return cached[1]

    def _specs(self, items: tuple[object, ...], agent_name: str) -> Specs:
        # The runtime offers the same registered action objects message after message:
        # reading their examples again each time would cost more than the matching.
        key = (agent_name, tuple(map(id, items)))
        cached = self._specs_cache.get(key)
        if cached is not None and all(map(is_, cached[0], items)):
            return cached[1]
        specs = action_specs(items, agent_name)
        self._specs_cache.put(key, (items, specs))
        return specs

    def _chooser(self, character: object, book: ReplyBook, actions: object) -> ActionChooser:
        items = tuple(actions) if isinstance(actions, list | tuple) else ()
        last = self._last_chooser
        if (
            last is not None
            and last[0] is character
            and len(last[1]) == len(items)
            and all(map(is_, last[1], items))
        ):
            return last[2]
        key = (id(character), tuple(map(id, items)))
        cached = self._choosers.get(key)
        if cached is None or cached[0] is not character or not all(map(is_, cached[1], items)):
            specs = self._specs(items, book.agent_name)
            chooser = ActionChooser(specs, book.exchanges, threshold=self.action_threshold)
            cached = (character, items, chooser)
            self._choosers.put(key, cached)
        self._last_chooser = cached
        return cached[2]

    def respond(self, character: object, params: Mapping[str, Any]) -> str:
        """The answer to a TEXT_* call, synchronously: plain text, or XML when actions are
        offered."""
        book = self.reply_book(character)
        user_name = str(params.get("user_name") or self.default_user_name)
        message = _incoming_text(params)
        features = featurize(message)
        reply = book.reply(features, user_name)
        actions = params.get("actions")
        if not actions:
            return reply.text
        choice = self._chooser(character, book, actions).choose(features)
        text = reply.text
        if choice.reply and choice.reply.strip():
            text = book.fill(choice.reply, user_name)
        quoted = message if len(message) <= _THOUGHT_LIMIT else message[: _THOUGHT_LIMIT - 1] + "…"
        if choice.evidence == "default":
            source = (
                f"replying with example text (similarity {reply.score:.2f})"
                if reply.exchange is not None
                else "no example fits, so I answer from my bio"
            )
            thought = f"Offline model: no action fits {quoted!r} better than REPLY; {source}."
        else:
            thought = (
                f"Offline model: {quoted!r} is closest to {choice.name}'s {choice.evidence} "
                f"(similarity {choice.score:.2f})."
            )
        return response_xml(thought=thought, actions=[choice.name], text=text)

    async def generate_text(self, runtime: Any, params: Mapping[str, Any]) -> ModelText:
        """TEXT_SMALL / TEXT_LARGE handler."""
        text = self.respond(getattr(runtime, "character", None), params)
        on_chunk = params.get("on_chunk")
        if on_chunk is not None:
            # Nothing to stream: the whole answer is one fragment.
            result = on_chunk(text)
            if inspect.isawaitable(result):
                await result
        return ModelText(text, provider=_NAME, model=_NAME)

    async def embed(self, runtime: Any, params: Mapping[str, Any] | str | None) -> list[float]:
        """TEXT_EMBEDDING handler; ``params`` may also be the text itself or ``None``."""
        if isinstance(params, Mapping):
            params = params.get("text")
        return self.embedder.embed(params if isinstance(params, str) else "")

    async def generate_object(self, runtime: Any, params: Mapping[str, Any]) -> dict[str, Any]:
        """OBJECT_SMALL / OBJECT_LARGE handler: the emptiest object ``schema`` allows, or
        ``{"text": reply}`` without a schema. It cannot reason; it only keeps callers going."""
        schema = params.get("schema")
        if isinstance(schema, Mapping):
            skeleton = _schema_skeleton(schema)
            if isinstance(skeleton, dict):
                return skeleton
        return {"text": self.respond(getattr(runtime, "character", None), params)}

    def handlers(self) -> dict[ModelType, ModelHandler]:
        """The handler of each model type this provider serves."""
        return {
            ModelType.TEXT_SMALL: self.generate_text,
            ModelType.TEXT_LARGE: self.generate_text,
            ModelType.TEXT_EMBEDDING: self.embed,
            ModelType.OBJECT_SMALL: self.generate_object,
            ModelType.OBJECT_LARGE: self.generate_object,
        }

    def register(self, runtime: ModelRegistry, *, priority: int = OFFLINE_PRIORITY) -> None:
        """Register every handler with ``runtime`` under the provider name ``"offline"``."""
        for model_type, handler in self.handlers().items():
            runtime.register_model(model_type, handler, provider=self.name, priority=priority)


def offline_model_handlers(**options: Any) -> dict[ModelType, ModelHandler]:
    """Handlers of a new :class:`OfflineModel` (``options`` go to its constructor)."""
    return OfflineModel(**options).handlers()

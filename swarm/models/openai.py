"""A model provider for any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, llama.cpp.

One ``httpx.AsyncClient`` per provider (connection reuse), connect and read timeouts, bounded
retries (:mod:`swarm.models.retry`) inside a circuit breaker (:mod:`swarm.models.breaker`): a
call counts against the provider only once its retries are spent.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Self

import httpx

from swarm.errors import ConfigError, ModelError
from swarm.models.breaker import CircuitBreaker
from swarm.models.errors import (
    ModelConnectionError,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeoutError,
)
from swarm.models.retry import RetryPolicy, parse_retry_after, retrying
from swarm.models.types import ModelHandler, ModelRegistry, ModelText, ModelType
from swarm.models.wire import (
    DONE,
    chat_text,
    embedding_vector,
    normalize_base_url,
    parse_json_object,
    provider_error_message,
    redact_url,
    stream_event,
)
from swarm.settings import Settings

__all__ = ["OpenAICompatibleModel"]

# The caller's request is at fault, not the provider: these must not open its circuit.
_REQUEST_FAULTS = frozenset({400, 413, 422})
_PASSED_THROUGH = ("temperature", "max_tokens", "stop", "top_p", "frequency_penalty", "seed")
_JSON_INSTRUCTION = "Answer with one JSON object and nothing else."
_HINTS = {
    401: "check the API key (SWARM_MODEL_API_KEY) for this endpoint",
    403: "check the API key (SWARM_MODEL_API_KEY) and its permissions for this model",
    404: "check SWARM_MODEL_URL and that the model exists there (Ollama: `ollama pull`)",
    429: "the provider is rate limiting; lower the request rate or raise the account's limits",
}


def _hint(status: int) -> str:
    if status in _HINTS:
        return _HINTS[status]
    if status >= 500:
        return "the server failed; check its logs and load"
    return "the server rejected the request; check the model name and parameters"


def _counts_against_provider(error: BaseException) -> bool:
    if isinstance(error, ModelHTTPError):
        return error.status not in _REQUEST_FAULTS
    return isinstance(error, ModelTimeoutError | ModelConnectionError | ModelResponseError)


def _actions_instruction(actions: object) -> str:
    lines = ["You may take one of these actions:"]
    for action in actions if isinstance(actions, list | tuple) else ():
        name = action.get("name") if isinstance(action, Mapping) else getattr(action, "name", "")
        about = (
            action.get("description")
            if isinstance(action, Mapping)
            else getattr(action, "description", "")
        )
        if name:
            lines.append(f"- {name}: {about or ''}".rstrip(": "))
    lines.append(
        "Answer in this XML format only: <response><thought>why</thought>"
        "<actions>ACTION_NAME</actions><text>what you say</text></response>"
    )
    return "\n".join(lines)


class OpenAICompatibleModel:
    """Chat, streaming chat, JSON objects and embeddings over the OpenAI HTTP API.

    ``transport`` replaces httpx's network transport (tests, proxies). Close with
    :meth:`aclose` or ``async with``; a closed provider refuses further calls.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        small_model: str = "gpt-4o-mini",
        large_model: str = "gpt-4o",
        embedding_model: str = "text-embedding-3-small",
        timeout_s: float = 60.0,
        connect_timeout_s: float = 10.0,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        name: str = "openai",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if timeout_s <= 0 or connect_timeout_s <= 0:
            raise ConfigError(
                f"model provider {name!r}: timeouts must be positive "
                f"(timeout_s={timeout_s}, connect_timeout_s={connect_timeout_s})"
            )
        self.name = name
        self.base_url = normalize_base_url(base_url)
        self.small_model = small_model
        self.large_model = large_model
        self.embedding_model = embedding_model
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker(name, is_failure=_counts_against_provider)
        self._api_key = api_key or None
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s)),
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> Self:
        """A provider for ``SWARM_MODEL_*``; ``options`` override constructor arguments."""
        if not settings.model_url:
            raise ConfigError(
                "SWARM_MODEL_URL is not set, so there is no OpenAI-compatible endpoint to use; "
                "set it (e.g. http://localhost:11434/v1) or use the offline model"
            )
        key = settings.model_api_key.get_secret_value() if settings.model_api_key else None
        arguments: dict[str, Any] = {
            "api_key": key,
            "small_model": settings.model_small,
            "large_model": settings.model_large,
            "embedding_model": settings.model_embedding,
            "timeout_s": settings.model_timeout_s,
        }
        arguments.update(options)
        return cls(settings.model_url, **arguments)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections; later calls raise :class:`ModelError`."""
        await self._client.aclose()

    # -- errors ------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def _where(self, url: str, model: str) -> str:
        return f"model provider {self.name!r} (model {model!r}) at POST {redact_url(url)}"

    def _http_error(self, response: httpx.Response, url: str, model: str) -> ModelHTTPError:
        said = self._scrub(provider_error_message(response.text))
        status = response.status_code
        return ModelHTTPError(
            f"{self._where(url, model)} answered HTTP {status}: {said}; {_hint(status)}",
            status=status,
            url=redact_url(url),
            provider_message=said,
            retry_after_s=parse_retry_after(response.headers.get("retry-after")),
        )

    def _transport_error(self, error: httpx.TransportError, url: str, model: str) -> ModelError:
        detail = self._scrub(str(error) or type(error).__name__)
        if isinstance(error, httpx.TimeoutException):
            phase = "connect" if isinstance(error, httpx.ConnectTimeout) else "answer"
            return ModelTimeoutError(
                f"{self._where(url, model)} did not {phase} within its timeout "
                f"({type(error).__name__}: {detail}); raise SWARM_MODEL_TIMEOUT_S or check the "
                "server's load"
            )
        return ModelConnectionError(
            f"cannot reach {self._where(url, model)} ({type(error).__name__}: {detail}); check "
            "SWARM_MODEL_URL and that the server is running"
        )

    # -- requests ----------------------------------------------------------------------

    async def _guarded(self, attempt: Callable[[], Awaitable[Any]]) -> Any:
        if self._client.is_closed:
            raise ModelError(
                f"model provider {self.name!r} is closed; create a new one to make calls"
            )
        return await self.breaker.call(lambda: retrying(self.retry, attempt))

    async def _post_json(self, path: str, body: dict[str, Any]) -> Any:
        url = self.base_url + path
        model = str(body.get("model", ""))

        async def attempt() -> Any:
            try:
                response = await self._client.post(url, json=body)
            except httpx.TransportError as error:
                raise self._transport_error(error, url, model) from None
            if response.status_code >= 400:
                raise self._http_error(response, url, model)
            try:
                return response.json()
            except ValueError:
                raise ModelResponseError(
                    f"{self._where(url, model)} answered HTTP {response.status_code} with a "
                    f"body that is not JSON: {self._scrub(response.text[:200])!r}"
                ) from None

        return await self._guarded(attempt)

    async def _post_stream(
        self, body: dict[str, Any], on_chunk: Callable[[str], Any]
    ) -> tuple[str, str]:
        url = self.base_url + "/chat/completions"
        model = str(body["model"])

        async def attempt() -> tuple[str, str]:
            parts: list[str] = []
            answered_by = model
            try:
                async with self._client.stream("POST", url, json=body) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        raise self._http_error(response, url, model)
                    async for line in response.aiter_lines():
                        event = stream_event(line)
                        if event is DONE:
                            break
                        if isinstance(event, str):
                            parts.append(event)
                            result = on_chunk(event)
                            if inspect.isawaitable(result):
                                await result
                        elif line.startswith("data:") and '"model"' in line:
                            answered_by = _model_of(line) or answered_by
            except httpx.TransportError as error:
                failure: ModelError = self._transport_error(error, url, model)
                if not parts:
                    raise failure from None
                # Fragments already reached the caller: a retry would repeat them.
                raise ModelResponseError(
                    f"stream broke after {len(parts)} fragments: {failure}"
                ) from None
            return "".join(parts), answered_by

        result: tuple[str, str] = await self._guarded(attempt)
        return result

    # -- model calls -------------------------------------------------------------------

    def _chat_body(
        self, params: Mapping[str, Any], model: str, system: str | None, *, json_mode: bool
    ) -> dict[str, Any]:
        system_parts = [str(params.get("system") or system or "")]
        if params.get("actions") and "<actions>" not in str(params.get("prompt", "")):
            system_parts.append(_actions_instruction(params["actions"]))
        if json_mode:
            schema = params.get("schema")
            system_parts.append(_JSON_INSTRUCTION)
            if schema:
                system_parts.append(f"Follow this JSON schema: {json.dumps(schema)}")
        system_text = "\n\n".join(p for p in system_parts if p)
        messages = [{"role": "system", "content": system_text}] if system_text else []
        messages.append({"role": "user", "content": str(params.get("prompt", ""))})
        body: dict[str, Any] = {"model": model, "messages": messages}
        body.update({k: params[k] for k in _PASSED_THROUGH if params.get(k) is not None})
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    async def complete(
        self, params: Mapping[str, Any], *, model: str, system: str | None = None
    ) -> ModelText:
        """Chat completion of ``params["prompt"]``; streamed when ``params["on_chunk"]`` is set."""
        body = self._chat_body(params, model, system, json_mode=False)
        on_chunk = params.get("on_chunk")
        if on_chunk is not None:
            body["stream"] = True
            text, answered_by = await self._post_stream(body, on_chunk)
        else:
            payload = await self._post_json("/chat/completions", body)
            text, answered_by = chat_text(payload), _model_field(payload) or model
        return ModelText(text, provider=self.name, model=answered_by)

    async def complete_object(
        self, params: Mapping[str, Any], *, model: str, system: str | None = None
    ) -> dict[str, Any]:
        """A JSON object answering ``params["prompt"]`` (JSON mode; fences stripped)."""
        body = self._chat_body(params, model, system, json_mode=True)
        return parse_json_object(chat_text(await self._post_json("/chat/completions", body)))

    async def embed(self, text: str) -> list[float]:
        """The embedding of ``text`` from the embedding model."""
        payload = await self._post_json(
            "/embeddings", {"model": self.embedding_model, "input": text}
        )
        return embedding_vector(payload)

    # -- runtime wiring ----------------------------------------------------------------

    def _text_handler(self, model: str) -> ModelHandler:
        async def handler(runtime: Any, params: Mapping[str, Any]) -> ModelText:
            return await self.complete(params, model=model, system=_system_of(runtime))

        return handler

    def _object_handler(self, model: str) -> ModelHandler:
        async def handler(runtime: Any, params: Mapping[str, Any]) -> dict[str, Any]:
            return await self.complete_object(params, model=model, system=_system_of(runtime))

        return handler

    async def _embedding_handler(
        self, runtime: Any, params: Mapping[str, Any] | str | None
    ) -> list[float]:
        text = params.get("text") if isinstance(params, Mapping) else params
        return await self.embed(text if isinstance(text, str) else "")

    def handlers(self) -> dict[ModelType, ModelHandler]:
        """The handler of each model type this provider serves."""
        return {
            ModelType.TEXT_SMALL: self._text_handler(self.small_model),
            ModelType.TEXT_LARGE: self._text_handler(self.large_model),
            ModelType.TEXT_EMBEDDING: self._embedding_handler,
            ModelType.OBJECT_SMALL: self._object_handler(self.small_model),
            ModelType.OBJECT_LARGE: self._object_handler(self.large_model),
        }

    def register(self, runtime: ModelRegistry, *, priority: int = 0) -> None:
        """Register every handler with ``runtime`` under this provider's name."""
        for model_type, handler in self.handlers().items():
            runtime.register_model(model_type, handler, provider=self.name, priority=priority)


def _system_of(runtime: Any) -> str | None:
    system = getattr(getattr(runtime, "character", None), "system", None)
    return system if isinstance(system, str) else None


def _model_field(payload: Any) -> str | None:
    model = payload.get("model") if isinstance(payload, dict) else None
    return model if isinstance(model, str) and model else None


def _model_of(line: str) -> str | None:
    try:
        return _model_field(json.loads(line[5:]))
    except ValueError:
        return None

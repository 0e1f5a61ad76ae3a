"""The OpenAI wire format as OpenAI, Ollama, vLLM and llama.cpp's server speak it.

They agree on the shape and differ in details: a base URL with or without ``/v1``, a missing
``usage``, errors as ``{"error": {"message": ...}}`` (OpenAI, llama.cpp), ``{"error": "..."}``
(Ollama) or ``{"object": "error", "message": ...}`` (older vLLM), and replies wrapped in
Markdown fences when JSON was asked for. Everything here is pure and synchronous.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from swarm.errors import ConfigError
from swarm.models.errors import ModelResponseError

__all__ = [
    "DONE",
    "chat_text",
    "embedding_vector",
    "normalize_base_url",
    "parse_json_object",
    "provider_error_message",
    "redact_url",
    "stream_event",
]

DONE = object()
"""What :func:`stream_event` returns for ``data: [DONE]``."""

_ENDPOINT_SUFFIXES = ("/chat/completions", "/completions", "/embeddings")
_SECRET_QUERY_RE = re.compile(r"key|token|secret|sig|password|auth", re.I)
_FENCE_RE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.S)
_ERROR_TEXT_LIMIT = 500


def normalize_base_url(url: str) -> str:
    """The API root to which ``/chat/completions`` and ``/embeddings`` are appended.

    A bare server address (``http://localhost:11434``, llama.cpp's ``http://host:8080``)
    gets ``/v1``; a URL with a path (``https://api.openai.com/v1``, ``.../openai/v1``) is
    kept; a full endpoint URL pasted by mistake is cut back to its root.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"model URL {redact_url(url)!r} is not an http(s) URL; set SWARM_MODEL_URL to "
            "the API root, e.g. https://api.openai.com/v1 or http://localhost:11434/v1"
        )
    path = parts.path.rstrip("/")
    for suffix in _ENDPOINT_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    if not path:
        path = "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def redact_url(url: str) -> str:
    """``url`` without user, password, or secret-looking query values."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        query = urlencode(
            [
                (k, "***" if _SECRET_QUERY_RE.search(k) else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ],
            safe="*",
        )
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return "<unparseable URL>"


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_TEXT_LIMIT else text[: _ERROR_TEXT_LIMIT - 1] + "…"


def provider_error_message(body: str) -> str:
    """What the provider said in an error body, in any of the dialects, else the raw text."""
    try:
        payload = json.loads(body)
    except ValueError:
        return _truncate(body) or "(empty body)"
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            message = error.get("message") or error.get("msg")
            if message:
                kind = error.get("type") or error.get("code")
                return _truncate(f"{message} [{kind}]" if kind else str(message))
        if isinstance(error, str) and error:
            return _truncate(error)
        for key in ("message", "detail"):
            if payload.get(key):
                return _truncate(str(payload[key]))
    return _truncate(body)


def _first_choice(payload: Any, what: str) -> dict[str, Any]:
    choices = payload.get("choices") if isinstance(payload, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ModelResponseError(
            f"{what} has no choices[0]: {_truncate(json.dumps(payload))}; the server may not "
            "speak the OpenAI chat API at this URL"
        )
    return choices[0]


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def chat_text(payload: Any) -> str:
    """The assistant text of a chat completion; ``usage`` and the rest are optional."""
    message = _first_choice(payload, "chat completion").get("message")
    if not isinstance(message, dict):
        raise ModelResponseError(
            f"chat completion has no choices[0].message: {_truncate(json.dumps(payload))}"
        )
    return _content_text(message.get("content"))


def stream_event(line: str) -> str | object | None:
    """Read one SSE line: the text fragment it carries, :data:`DONE`, or None (nothing).

    Comments, ``event:`` lines, role-only deltas and usage-only chunks carry nothing. A
    chunk with an ``error`` (Ollama and vLLM report failures mid-stream) raises.
    """
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if data == "[DONE]":
        return DONE
    if not data:
        return None
    try:
        payload = json.loads(data)
    except ValueError:
        raise ModelResponseError(f"stream chunk is not JSON: {_truncate(data)}") from None
    if isinstance(payload, dict) and "error" in payload:
        raise ModelResponseError(f"stream failed: {provider_error_message(data)}")
    choices = payload.get("choices") if isinstance(payload, dict) else None
    if not choices:
        return None
    delta = choices[0].get("delta") if isinstance(choices[0], dict) else None
    if not isinstance(delta, dict):
        return None
    return _content_text(delta.get("content")) or None


def embedding_vector(payload: Any) -> list[float]:
    """The vector of an embeddings answer: ``data[0].embedding``, or the bare
    ``embedding`` / ``embeddings[0]`` that llama.cpp and Ollama's native routes return."""
    vector: Any = None
    if isinstance(payload, dict):
        data = payload.get("data")
        if isinstance(data, list) and data and isinstance(data[0], dict):
            vector = data[0].get("embedding")
        elif "embedding" in payload:
            vector = payload["embedding"]
        elif isinstance(payload.get("embeddings"), list) and payload["embeddings"]:
            vector = payload["embeddings"][0]
    if isinstance(vector, list) and len(vector) == 1 and isinstance(vector[0], list):
        vector = vector[0]  # llama.cpp's native route nests the pooled vector once more
    if isinstance(vector, list) and vector and isinstance(vector[0], list):
        raise ModelResponseError(
            "the server returned one embedding per token; start llama.cpp with --pooling mean"
        )
    if (
        not isinstance(vector, list)
        or not vector
        or not all(isinstance(x, int | float) and math.isfinite(x) for x in vector)
    ):
        raise ModelResponseError(
            f"embeddings answer has no numeric data[0].embedding: {_truncate(json.dumps(payload))}"
        )
    return [float(x) for x in vector]


def parse_json_object(text: str) -> dict[str, Any]:
    """The JSON object in a model's answer: bare, fenced in ```json, or amid prose."""
    candidates = [m.group(1) for m in _FENCE_RE.finditer(text)]
    candidates.append(text)
    for candidate in candidates:
        stripped = candidate.strip()
        for chunk in (stripped, stripped[stripped.find("{") : stripped.rfind("}") + 1]):
            if not chunk:
                continue
            try:
                value = json.loads(chunk)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    raise ModelResponseError(
        f"expected a JSON object in the model's answer, got: {_truncate(text) or '(empty)'}; "
        "the model may not support JSON mode, try a larger model"
    )

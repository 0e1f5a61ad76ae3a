"""Reading the OpenAI wire format as OpenAI, Ollama, vLLM and llama.cpp write it."""

from __future__ import annotations

import json

import pytest

from swarm.errors import ConfigError
from swarm.models import ModelResponseError
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


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("https://api.openai.com/v1/", "https://api.openai.com/v1"),
        ("http://localhost:11434", "http://localhost:11434/v1"),
        ("http://localhost:8080/", "http://localhost:8080/v1"),
        ("http://vllm:8000/v1/chat/completions", "http://vllm:8000/v1"),
        ("https://api.groq.com/openai/v1", "https://api.groq.com/openai/v1"),
    ],
)
def test_base_url_is_normalised_to_the_api_root(given: str, expected: str) -> None:
    """Bare hosts get /v1; paths are kept; a pasted endpoint is cut back to its root."""
    assert normalize_base_url(given) == expected


def test_base_url_that_is_not_http_is_a_config_error() -> None:
    """A URL without http(s) scheme is refused with an example of a good one."""
    with pytest.raises(ConfigError, match="not an http"):
        normalize_base_url("localhost:11434")


def test_redact_url_removes_credentials_and_secret_query_values() -> None:
    """User, password and key-like query values are gone; the rest stays."""
    redacted = redact_url("https://bob:pw123@host:9/v1?api-key=abc&region=eu")

    assert redacted == "https://host:9/v1?api-key=***&region=eu"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"error": {"message": "Bad key", "type": "auth"}}', "Bad key [auth]"),
        ('{"error": "model \'x\' not found"}', "model 'x' not found"),
        ('{"object": "error", "message": "too long", "code": 400}', "too long"),
        ('{"error": {"code": 500, "message": "slot busy"}}', "slot busy [500]"),
        ("Bad Gateway", "Bad Gateway"),
        ("", "(empty body)"),
    ],
)
def test_provider_error_message_reads_each_dialect(body: str, expected: str) -> None:
    """OpenAI, Ollama, vLLM, llama.cpp and plain-text error bodies give their message."""
    assert provider_error_message(body) == expected


def test_chat_text_reads_choices_0_message_content() -> None:
    """The assistant content of the first choice is the text; usage is not required."""
    payload = {"choices": [{"message": {"role": "assistant", "content": "hi"}}]}

    assert chat_text(payload) == "hi"


def test_chat_text_without_choices_is_a_response_error() -> None:
    """An answer without choices says so instead of failing with a KeyError."""
    with pytest.raises(ModelResponseError, match=r"no choices\[0\]"):
        chat_text({"object": "list"})


def test_stream_event_reads_fragments_done_and_nothing() -> None:
    """Content deltas give text, [DONE] ends, role-only and non-data lines give None."""
    chunk = {"choices": [{"delta": {"content": "Hel"}}]}

    assert stream_event(f"data: {json.dumps(chunk)}") == "Hel"
    assert stream_event("data: [DONE]") is DONE
    assert stream_event('data: {"choices": [{"delta": {"role": "assistant"}}]}') is None
    assert stream_event(": keep-alive") is None
    assert stream_event('data: {"choices": [], "usage": {"total_tokens": 3}}') is None


def test_stream_event_with_error_raises() -> None:
    """A mid-stream error chunk (Ollama, vLLM) raises with the provider's message."""
    with pytest.raises(ModelResponseError, match="out of memory"):
        stream_event('data: {"error": {"message": "out of memory"}}')


@pytest.mark.parametrize(
    "payload",
    [
        {"data": [{"embedding": [0.5, 1]}]},
        {"embedding": [0.5, 1]},
        {"embeddings": [[0.5, 1]]},
        {"embedding": [[0.5, 1]]},
    ],
)
def test_embedding_vector_reads_each_shape(payload: object) -> None:
    """OpenAI's data[0].embedding and the bare shapes of llama.cpp and Ollama all work."""
    assert embedding_vector(payload) == [0.5, 1.0]


def test_per_token_embeddings_are_refused_with_the_fix() -> None:
    """Unpooled per-token vectors are an error that names llama.cpp's --pooling flag."""
    with pytest.raises(ModelResponseError, match="--pooling mean"):
        embedding_vector({"embedding": [[0.1, 0.2], [0.3, 0.4]]})


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '```json\n{"a": 1}\n```',
        'Sure! Here it is:\n```\n{"a": 1}\n```\nAnything else?',
        'The answer is {"a": 1} as requested.',
    ],
)
def test_parse_json_object_finds_the_object(text: str) -> None:
    """Bare, fenced and embedded JSON objects are all read."""
    assert parse_json_object(text) == {"a": 1}


def test_parse_json_object_without_an_object_is_a_response_error() -> None:
    """A list or prose is not an object: the error quotes what came back."""
    with pytest.raises(ModelResponseError, match=r"expected a JSON object.*\[1, 2\]"):
        parse_json_object("[1, 2]")

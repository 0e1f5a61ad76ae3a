"""The OpenAI-compatible provider against a real HTTP server speaking the OpenAI wire format."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from swarm.errors import CircuitOpenError, ConfigError, ModelError
from swarm.models import (
    CircuitBreaker,
    ModelConnectionError,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeoutError,
    ModelType,
    OpenAICompatibleModel,
    RetryPolicy,
    model_info,
)
from swarm.settings import Settings
from tests.support import FakeOpenAI, Planned

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

KEY = "sk-test-3f9a1c77e2"
FAST = RetryPolicy(max_retries=2, wait_s=0.001, max_wait_s=0.01, retry_after_cap_s=0.2)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        yield fake


@pytest.fixture
async def provider(server: FakeOpenAI) -> AsyncIterator[OpenAICompatibleModel]:
    async with OpenAICompatibleModel(
        server.url, api_key=KEY, small_model="small-m", timeout_s=2.0, retry=FAST
    ) as model:
        yield model


class _Runtime:
    """The two things a handler reads from a runtime: its character's system prompt."""

    def __init__(self, system: str | None = None) -> None:
        self.character = type("Character", (), {"system": system, "name": "Ada"})()


async def test_chat_returns_the_assistant_text_of_the_completion(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """A chat call posts [system, user] to /v1/chat/completions and returns the reply text."""
    text = await provider.complete({"prompt": "hi there", "system": "be brief"}, model="small-m")

    assert text == "echo: hi there"
    sent = server.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.json["model"] == "small-m"
    assert sent.json["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi there"},
    ]


async def test_text_handler_marks_result_with_provider_and_served_model(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """The TEXT_SMALL handler's result carries the provider name and the model that answered."""
    server.served_model = "small-m-2024"
    handler = provider.handlers()[ModelType.TEXT_SMALL]

    result = await handler(_Runtime(system="You are Ada."), {"prompt": "hello"})

    assert model_info(result) == {"provider": "openai", "model": "small-m-2024"}
    assert server.requests[-1].json["messages"][0] == {"role": "system", "content": "You are Ada."}


async def test_answer_without_usage_is_accepted(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """A completion without ``usage`` (llama.cpp, some Ollama versions) still yields its text."""
    server.with_usage = False

    assert await provider.complete({"prompt": "x"}, model="small-m") == "echo: x"


async def test_base_url_without_v1_reaches_the_v1_routes(server: FakeOpenAI) -> None:
    """A bare server address (Ollama, llama.cpp style) is completed with /v1."""
    async with OpenAICompatibleModel(server.root_url, api_key=KEY, retry=FAST) as model:
        text = await model.complete({"prompt": "ping"}, model="m")

    assert text == "echo: ping"
    assert server.requests[-1].path == "/v1/chat/completions"


async def test_streaming_passes_each_fragment_and_returns_the_whole_text(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """With ``on_chunk`` the request streams; every SSE fragment reaches it in order."""
    server.reply = "one two three four"
    server.stream_fragments = 4
    received: list[str] = []

    async def on_chunk(fragment: str) -> None:
        received.append(fragment)

    text = await provider.complete({"prompt": "count", "on_chunk": on_chunk}, model="small-m")

    assert server.requests[-1].json["stream"] is True
    assert received == server.fragments("one two three four")
    assert len(received) == 4
    assert text == "one two three four"


async def test_stream_failing_before_any_fragment_is_retried(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """A 500 on a streaming request is retried, and the fragments arrive once."""
    server.reply = "abc"
    server.plan(Planned(status=500))
    received: list[str] = []

    async def on_chunk(fragment: str) -> None:
        received.append(fragment)

    text = await provider.complete({"prompt": "p", "on_chunk": on_chunk}, model="m")

    assert (text, "".join(received), len(server.requests)) == ("abc", "abc", 2)


async def test_stream_broken_after_fragments_is_not_retried(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """A stream cut after one fragment fails without a retry that would repeat that fragment."""
    server.reply = "aaabbbccc"
    server.plan(Planned(cut_after=1))
    received: list[str] = []

    async def on_chunk(fragment: str) -> None:
        received.append(fragment)

    with pytest.raises(ModelResponseError, match="stream broke after 1 fragments"):
        await provider.complete({"prompt": "p", "on_chunk": on_chunk}, model="m")

    assert (received, len(server.requests)) == (["aaa"], 1)


async def test_offered_actions_are_described_to_the_model(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """With ``actions`` and a prompt that lacks them, the system message lists them and the
    XML answer format."""
    actions = [{"name": "SEND_TOKEN", "description": "Transfer tokens.", "similes": []}]

    await provider.complete({"prompt": "pay bob", "actions": actions}, model="m")

    system = server.requests[-1].json["messages"][0]["content"]
    assert "- SEND_TOKEN: Transfer tokens." in system
    assert "<actions>ACTION_NAME</actions>" in system


async def test_embedding_returns_the_vector_of_data_0(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """TEXT_EMBEDDING posts to /v1/embeddings with the embedding model and returns floats."""
    vector = await provider.handlers()[ModelType.TEXT_EMBEDDING](_Runtime(), {"text": "abc"})

    assert vector == server.embedding_answer({"input": "abc"})["data"][0]["embedding"]
    assert server.requests[-1].path == "/v1/embeddings"
    assert server.requests[-1].json == {"model": "text-embedding-3-small", "input": "abc"}


async def test_object_call_asks_for_json_mode_and_parses_a_fenced_answer(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """OBJECT_SMALL sends response_format json_object and reads JSON out of a ``` fence."""
    server.reply = '```json\n{"mood": "calm", "score": 3}\n```'
    schema = {"type": "object", "properties": {"mood": {"type": "string"}}}

    result = await provider.handlers()[ModelType.OBJECT_SMALL](
        _Runtime(), {"prompt": "rate it", "schema": schema}
    )

    assert result == {"mood": "calm", "score": 3}
    sent = server.requests[-1].json
    assert sent["response_format"] == {"type": "json_object"}
    assert "JSON" in sent["messages"][0]["content"]


async def test_429_with_retry_after_is_waited_out_then_succeeds(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """A 429 is retried after its Retry-After (capped by the policy), then the call succeeds."""
    server.plan(Planned(status=429, headers={"Retry-After": "1"}))
    started = anyio.current_time()
    text = await provider.complete({"prompt": "again"}, model="m")
    waited = anyio.current_time() - started

    assert text == "echo: again"
    assert len(server.requests) == 2
    # The back-off alone would wait ~1 ms; the capped Retry-After makes it 0.2 s.
    assert waited >= FAST.retry_after_cap_s


async def test_500_then_success_returns_the_answer(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """One 500 is retried and the second attempt's answer is returned."""
    server.plan(Planned(status=500))

    assert await provider.complete({"prompt": "x"}, model="m") == "echo: x"
    assert len(server.requests) == 2


async def test_persistent_500_fails_after_bounded_retries(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """A server that keeps failing gets 1 + max_retries attempts, then a ModelHTTPError."""
    server.plan(*[Planned(status=500)] * 10)

    with pytest.raises(ModelHTTPError) as caught:
        await provider.complete({"prompt": "x"}, model="m")

    assert caught.value.status == 500
    assert len(server.requests) == FAST.max_retries + 1
    assert "gave up after 3 attempts" in str(caught.value)
    assert "planned failure 500" in str(caught.value)


async def test_read_timeout_fails_with_model_timeout_error(server: FakeOpenAI) -> None:
    """A server slower than the read timeout yields ModelTimeoutError once retries are spent."""
    server.plan(*[Planned(stall_s=3.0)] * 2)
    policy = RetryPolicy(max_retries=1, wait_s=0.001)
    async with OpenAICompatibleModel(server.url, api_key=KEY, timeout_s=0.2, retry=policy) as model:
        with pytest.raises(ModelTimeoutError, match="did not answer within its timeout"):
            await model.complete({"prompt": "slow"}, model="m")

    assert len(server.requests) == 2


async def test_bad_api_key_fails_at_once_without_revealing_the_key(server: FakeOpenAI) -> None:
    """A 401 is not retried, and neither message nor provider_message contains the key."""
    wrong = "sk-wrong-9d8e7f6a5b"
    async with OpenAICompatibleModel(server.url, api_key=wrong, retry=FAST) as model:
        with pytest.raises(ModelHTTPError) as caught:
            await model.complete({"prompt": "x"}, model="m")

    error = caught.value
    assert error.status == 401
    assert len(server.requests) == 1
    assert wrong not in str(error)
    assert wrong not in error.provider_message
    assert "Incorrect API key provided: ***" in error.provider_message
    assert "SWARM_MODEL_API_KEY" in str(error)


async def test_ollama_style_error_body_is_reported_and_not_retried(
    provider: OpenAICompatibleModel, server: FakeOpenAI
) -> None:
    """Ollama's ``{"error": "..."}`` body becomes the provider message of a 404."""
    server.plan(Planned(status=404, body={"error": "model 'llama9' not found, try pulling it"}))

    with pytest.raises(ModelHTTPError) as caught:
        await provider.complete({"prompt": "x"}, model="llama9")

    assert caught.value.provider_message == "model 'llama9' not found, try pulling it"
    assert len(server.requests) == 1


async def test_open_circuit_fails_fast_without_calling_the_server(server: FakeOpenAI) -> None:
    """After the breaker's threshold of failed calls, the next call never reaches the server."""
    server.plan(*[Planned(status=503)] * 10)
    breaker = CircuitBreaker("openai", failure_threshold=2, cooldown_s=60.0)
    policy = RetryPolicy(max_retries=0)
    async with OpenAICompatibleModel(
        server.url, api_key=KEY, retry=policy, breaker=breaker
    ) as model:
        for _ in range(2):
            with pytest.raises(ModelHTTPError):
                await model.complete({"prompt": "x"}, model="m")
        with pytest.raises(CircuitOpenError, match="'openai' is unavailable"):
            await model.complete({"prompt": "x"}, model="m")

    assert len(server.requests) == 2


async def test_bad_request_does_not_count_against_the_provider(server: FakeOpenAI) -> None:
    """A 400 (the caller's fault) leaves the provider's breaker closed with no failures."""
    server.plan(Planned(status=400))
    async with OpenAICompatibleModel(server.url, api_key=KEY, retry=FAST) as model:
        with pytest.raises(ModelHTTPError):
            await model.complete({"prompt": "x"}, model="m")
        state = model.breaker.snapshot()

    assert (state.state, state.failures) == ("closed", 0)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_unreachable_endpoint_fails_with_connection_error_without_credentials() -> None:
    """A refused connection is a ModelConnectionError whose message hides URL credentials."""
    url = f"http://admin:hunter2@127.0.0.1:{_closed_port()}/v1"
    async with OpenAICompatibleModel(url, api_key=KEY, retry=FAST) as model:
        with pytest.raises(ModelConnectionError) as caught:
            await model.complete({"prompt": "x"}, model="m")

    message = str(caught.value)
    assert "hunter2" not in message
    assert KEY not in message
    assert f"127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}/v1/chat/completions" in message


async def test_closed_provider_refuses_calls(server: FakeOpenAI) -> None:
    """After aclose() a call raises ModelError instead of reaching the server."""
    model = OpenAICompatibleModel(server.url, api_key=KEY)
    await model.aclose()

    with pytest.raises(ModelError, match="is closed"):
        await model.complete({"prompt": "x"}, model="m")
    assert server.requests == []


async def test_from_settings_uses_the_swarm_model_settings(server: FakeOpenAI) -> None:
    """from_settings takes URL, key, model names and timeout from Settings."""
    settings = Settings(
        model_url=server.url, model_api_key=KEY, model_small="tiny", model_timeout_s=5.0
    )
    async with OpenAICompatibleModel.from_settings(settings, retry=FAST) as model:
        await model.handlers()[ModelType.TEXT_SMALL](_Runtime(), {"prompt": "x"})

    assert server.requests[-1].json["model"] == "tiny"
    assert model.timeout_s == 5.0


def test_from_settings_without_a_url_is_a_config_error() -> None:
    """No SWARM_MODEL_URL: a ConfigError that names the setting and the offline alternative."""
    with pytest.raises(ConfigError, match=r"SWARM_MODEL_URL is not set.*offline model"):
        OpenAICompatibleModel.from_settings(Settings(model_url=None))


async def test_register_adds_every_handler_under_the_provider_name(
    provider: OpenAICompatibleModel,
) -> None:
    """register() hands each model type's handler to the runtime with name and priority."""
    calls: list[tuple[Any, ...]] = []

    class Registry:
        def register_model(
            self, model_type: ModelType, handler: Any, provider: str, priority: int = 0
        ) -> None:
            calls.append((model_type, provider, priority))

    provider.register(Registry(), priority=5)

    assert sorted(c[0] for c in calls) == sorted(provider.handlers())
    assert {(c[1], c[2]) for c in calls} == {("openai", 5)}

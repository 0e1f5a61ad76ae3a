"""A real HTTP server on 127.0.0.1 that speaks the OpenAI wire format, for provider tests.

It runs stdlib ``http.server`` in a thread and serves ``POST {prefix}/chat/completions``
(plain and SSE streaming), ``POST {prefix}/embeddings``, and a Bearer-key check. Tests script
failures ahead of time (``plan``) and read back what was asked (``requests``).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

__all__ = ["FakeOpenAI", "Planned", "Recorded"]


@dataclass(frozen=True)
class Planned:
    """What the server does for one coming request instead of answering normally.

    ``stall_s`` delays the answer (a read timeout for a client with a shorter one); a
    ``status`` other than 200 answers with that error, in OpenAI's error shape unless
    ``body`` is given; ``cut_after`` drops a stream's connection after that many fragments.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    stall_s: float = 0.0
    cut_after: int | None = None


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    json: Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has hung up; writing to it fails, which is the point.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        fake.requests.append(Recorded(self.path, dict(self.headers.items()), body))

        if fake.api_key is not None:
            given = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if given != fake.api_key:
                # OpenAI's own message echoes the key it got: clients must not repeat it.
                message = f"Incorrect API key provided: {given}. Find your key in your account."
                self._json(401, {"error": {"message": message, "type": "invalid_request_error"}})
                return

        planned = fake.next_plan()
        if planned is not None:
            if planned.stall_s and fake.closing.wait(planned.stall_s):
                return
            if planned.status != 200:
                error = planned.body
                if error is None:
                    error = {"error": {"message": f"planned failure {planned.status}"}}
                self._json(planned.status, error, planned.headers)
                return

        if self.path == f"{fake.prefix}/chat/completions" and isinstance(body, dict):
            self._chat(body, planned.cut_after if planned else None)
        elif self.path == f"{fake.prefix}/embeddings" and isinstance(body, dict):
            self._json(200, fake.embedding_answer(body))
        else:
            self._json(404, {"error": f"no route for POST {self.path}"})

    def _chat(self, body: dict[str, Any], cut_after: int | None) -> None:
        fake = self.server.fake
        reply = fake.reply_for(body)
        if not body.get("stream"):
            answer: dict[str, Any] = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "model": fake.served_model or body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply},
                        "finish_reason": "stop",
                    }
                ],
            }
            if fake.with_usage:
                answer["usage"] = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
            self._json(200, answer)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        model = fake.served_model or body.get("model")

        def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps(chunk)}\n\n".encode()

        self._chunk(event({"role": "assistant"}))
        for sent, fragment in enumerate(fake.fragments(reply)):
            if sent == cut_after:
                self.close_connection = True
                return
            self._chunk(event({"content": fragment}))
        self._chunk(event({}, "stop"))
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class FakeOpenAI:
    """An OpenAI-compatible server on an ephemeral port of 127.0.0.1.

    Chat answers ``reply`` (default ``"echo: <last user message>"``); streams split it into
    ``stream_fragments`` pieces; embeddings are ``dimension`` floats derived from the input.
    """

    def __init__(self, *, api_key: str | None = "sk-fake-key", prefix: str = "/v1") -> None:
        self.api_key = api_key
        self.prefix = prefix
        self.reply: str | None = None
        self.stream_fragments = 3
        self.served_model: str | None = None
        self.with_usage = True
        self.dimension = 8
        self.requests: list[Recorded] = []
        self.closing = threading.Event()
        self._plans: deque[Planned] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        # serve_forever notices shutdown() only between polls; the default 0.5 s slows teardown.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``, without the API prefix."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The API base URL clients are configured with."""
        return self.root_url + self.prefix

    def plan(self, *planned: Planned) -> None:
        """Make the next requests behave as ``planned``, in order; later ones answer normally."""
        with self._lock:
            self._plans.extend(planned)

    def next_plan(self) -> Planned | None:
        with self._lock:
            return self._plans.popleft() if self._plans else None

    def reply_for(self, body: dict[str, Any]) -> str:
        if self.reply is not None:
            return self.reply
        messages = body.get("messages") or [{}]
        return f"echo: {messages[-1].get('content', '')}"

    def fragments(self, text: str) -> list[str]:
        size = max(1, -(-len(text) // self.stream_fragments))
        return [text[i : i + size] for i in range(0, len(text), size)]

    def embedding_answer(self, body: dict[str, Any]) -> dict[str, Any]:
        text = str(body.get("input", ""))
        vector = [float((len(text) + i) % 7) / 7.0 for i in range(self.dimension)]
        return {
            "object": "list",
            "model": body.get("model"),
            "data": [{"object": "embedding", "index": 0, "embedding": vector}],
        }

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

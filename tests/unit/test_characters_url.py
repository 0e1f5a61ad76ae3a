"""Loading characters over HTTP, against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from swarm.characters import load_character, load_characters, validate_source
from swarm.errors import CharacterError

pytestmark = pytest.mark.anyio

_ELIZA = json.dumps({"name": "Eliza", "bio": "Served over HTTP."}).encode()
_TEAM_YAML = b"- name: Ada\n  bio: First.\n- name: Max\n  bio: Second.\n"
_CHUNK = b" " * 65536


@dataclass
class _Site:
    """The test server's state: its base URL and an event that releases blocked handlers."""

    url: str
    release: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        route = getattr(
            self, "_route_" + self.path.strip("/").replace(".", "_").replace("-", "_"), None
        )
        if route is None:
            self.send_error(404, "Not Found")
            return
        route()

    def _send(self, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route_eliza_json(self) -> None:
        self._send(_ELIZA)

    def _route_team_yaml(self) -> None:
        self._send(_TEAM_YAML, "application/yaml")

    def _route_team(self) -> None:  # no extension: the content type says YAML
        self._send(_TEAM_YAML, "application/x-yaml")

    def _route_moved(self) -> None:
        self.send_response(302)
        self.send_header("Location", "/eliza.json")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _route_broken_json(self) -> None:
        self._send(b'{"name": "Eliza",\n "bio": }')

    def _route_slow_json(self) -> None:
        # Blocks until the test is over: the client must give up on its own deadline.
        self.server.site.release.wait(10)
        self._send(_ELIZA)

    def _route_declared_huge_json(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(50 * 1024 * 1024))
        self.end_headers()
        # Only the header is large: a client that read the body would hit a short read instead.
        self.wfile.write(b"{}")

    def _route_endless_json(self) -> None:
        # No length: only the client's size limit can end this response.
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self._stream_until_closed()

    def _stream_until_closed(self) -> None:
        try:
            while not self.server.site.release.is_set():
                self.wfile.write(_CHUNK)
        except OSError:  # the client hung up: what the test wants
            return

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: _Site


@pytest.fixture
def site() -> Iterator[_Site]:
    """A real HTTP/1.0 server on a free port of 127.0.0.1, stopped after the test."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = _Site(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server.site
    finally:
        server.site.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


async def test_url_loads_a_json_character(site: _Site) -> None:
    """A JSON character served over HTTP loads, prepared."""
    character = await load_character(f"{site.url}/eliza.json")
    assert (character.name, character.bio, character.username) == (
        "Eliza",
        "Served over HTTP.",
        "eliza",
    )


async def test_url_with_yaml_extension_loads_a_list(site: _Site) -> None:
    """A .yaml URL is parsed as YAML; a list yields every character."""
    characters = await load_characters(f"{site.url}/team.yaml")
    assert [c.name for c in characters] == ["Ada", "Max"]


async def test_url_yaml_content_type_is_honoured(site: _Site) -> None:
    """Without an extension, a YAML content type selects the YAML parser."""
    characters = await load_characters(f"{site.url}/team")
    assert [c.name for c in characters] == ["Ada", "Max"]


async def test_url_redirect_is_followed(site: _Site) -> None:
    """A redirect to the character file is followed."""
    assert (await load_character(f"{site.url}/moved")).name == "Eliza"


async def test_url_404_is_an_error_naming_the_url_and_status(site: _Site) -> None:
    """A 404 is a CharacterError naming the URL and the HTTP status."""
    url = f"{site.url}/missing.json"
    with pytest.raises(CharacterError) as caught:
        await load_character(url)
    assert str(caught.value) == f"{url}: HTTP 404 Not Found; check the URL"
    assert caught.value.source == url


async def test_url_timeout_is_an_error(site: _Site) -> None:
    """A server that does not answer within timeout_s gives a timeout error."""
    url = f"{site.url}/slow.json"
    with pytest.raises(CharacterError) as caught:
        await load_character(url, timeout_s=0.3)
    assert str(caught.value).startswith(f"{url}: no complete response within 0.3 s;")


async def test_url_declared_too_large_is_refused(site: _Site) -> None:
    """A Content-Length above max_bytes is refused before the body is read."""
    url = f"{site.url}/declared-huge.json"
    with pytest.raises(CharacterError, match="larger than 100000 bytes"):
        await load_character(url, max_bytes=100_000)


async def test_url_endless_body_stops_at_the_limit(site: _Site) -> None:
    """A body with no length that never ends is cut off at max_bytes, not read forever."""
    url = f"{site.url}/endless.json"
    with pytest.raises(CharacterError, match="larger than 100000 bytes"):
        await load_character(url, max_bytes=100_000, timeout_s=30)


async def test_url_malformed_json_names_url_line_and_column(site: _Site) -> None:
    """A syntax error in a served file names the URL, line and column."""
    url = f"{site.url}/broken.json"
    with pytest.raises(CharacterError, match=rf"^{url}:2:9: malformed JSON"):
        await load_character(url)


async def test_url_connection_refused_is_an_error(site: _Site) -> None:
    """A URL nobody listens on is a CharacterError saying the request failed."""
    probe = _Server(("127.0.0.1", 0), _Handler)
    port = probe.server_address[1]
    probe.server_close()  # the port is now free: nothing listens there
    url = f"http://127.0.0.1:{port}/eliza.json"
    with pytest.raises(CharacterError, match="request failed"):
        await load_character(url, timeout_s=2)


async def test_validate_source_reports_url_errors(site: _Site) -> None:
    """validate_source turns an HTTP error into one reported error, not an exception."""
    result = await validate_source(f"{site.url}/missing.json")
    assert not result.valid
    assert result.errors == [f"{site.url}/missing.json: HTTP 404 Not Found; check the URL"]

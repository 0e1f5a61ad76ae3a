"""Where characters come from: files, URLs, Python modules and the environment.

A source is read into a *document*: a mapping (one character), a list (several) or a
:class:`Character` a module built itself. Turning documents into characters is the
loader's job; this module only reads and parses, and says precisely what went wrong where.

Sources, tried in this order:

- ``"env"``: ``SWARM_AGENT_NAME`` (required) and ``SWARM_AGENT_BIO`` from the mapping the
  caller passes (the entry point's environment).
- ``http://`` or ``https://`` URLs: one GET within ``timeout_s`` (the whole exchange),
  at most ``max_bytes`` of body (streamed, abandoned past the limit). YAML when the path
  ends in ``.yaml``/``.yml`` or the server says so, JSON otherwise.
- Existing files, or paths that look like one (``.json``/``.yaml``/``.yml``, or containing
  a path separator): JSON or YAML by extension.
- Python modules, ``package.module`` or ``package.module:attribute``: the attribute, else
  the module's ``character``, else its ``default``.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import anyio
import anyio.to_thread
import httpx
import yaml

from swarm.characters.model import Character
from swarm.errors import CharacterError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT_S",
    "ENV_SOURCE",
    "from_env",
    "parse_document",
    "read_source",
]

ENV_SOURCE = "env"
DEFAULT_TIMEOUT_S = 10.0
"""Longest a URL source may take, connection to last byte."""
DEFAULT_MAX_BYTES = 1_048_576
"""Largest URL body accepted; character files are a few kilobytes."""
DEFAULT_BIO = "{name} is a helpful assistant."
"""The bio of a character from the environment when ``SWARM_AGENT_BIO`` is unset."""

Format = Literal["json", "yaml"]
_FORMATS: dict[str, Format] = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}
_MODULE_RE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)?$")
_MODULE_ATTRIBUTES = ("character", "default")


async def read_source(
    source: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[str, object]:
    """Read ``source`` into ``(label, document)``; ``label`` names it in messages.

    Raises :class:`CharacterError` naming the source when it cannot be read or parsed.
    """
    text = os.fspath(source)
    if text == ENV_SOURCE:
        return ENV_SOURCE, from_env(os.environ if env is None else env)
    if text.startswith(("http://", "https://")):
        body, fmt = await _fetch(text, timeout_s=timeout_s, max_bytes=max_bytes)
        return text, parse_document(body, source=text, fmt=fmt)
    if "://" in text:
        raise CharacterError(
            f"unsupported character source {text!r}: only http:// and https:// URLs are "
            "supported; download the file and pass its path",
            source=text,
        )
    path = Path(text)
    looks_like_path = path.suffix.lower() in _FORMATS or os.sep in text or "/" in text
    if text and (looks_like_path or await anyio.Path(path).exists()):
        return text, await _read_file(path)
    if _MODULE_RE.match(text):
        return f"module {text}", await _from_module(text)
    raise _unknown(text)


def _unknown(text: str) -> CharacterError:
    return CharacterError(
        f"unknown character source {text!r}: not 'env', an http(s) URL, an existing "
        ".json/.yaml file or an importable Python module; check the spelling or the path",
        source=text,
    )


def parse_document(raw: bytes | str, *, source: str, fmt: Format) -> object:
    """Parse JSON or YAML text; errors name ``source`` with the line and column."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CharacterError(
                f"{source}: not UTF-8 text (bad byte at offset {exc.start}); "
                "save the file as UTF-8",
                source=source,
            ) from None
    if fmt == "json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CharacterError(
                f"{source}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg} "
                f"(line {exc.lineno}, column {exc.colno}); fix the syntax there",
                source=source,
            ) from None
    try:
        return yaml.safe_load(raw)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise CharacterError(
            f"{source}:{line}:{column}: malformed YAML: {exc.problem or exc.context} "
            f"(line {line}, column {column}); fix the syntax there",
            source=source,
        ) from None
    except yaml.YAMLError as exc:
        raise CharacterError(f"{source}: malformed YAML: {exc}", source=source) from None


async def _read_file(path: Path) -> object:
    if await anyio.Path(path).is_dir():
        raise CharacterError(
            f"{path}: is a directory; pass one character file in it", source=str(path)
        )
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CharacterError(
            f"{path}: unsupported character file type {path.suffix or '(none)'!r}; "
            "use .json, .yaml or .yml",
            source=str(path),
        )
    try:
        raw = await anyio.Path(path).read_bytes()
    except FileNotFoundError:
        raise CharacterError(
            f"{path}: no such character file; check the path (relative to {Path.cwd()})",
            source=str(path),
        ) from None
    except OSError as exc:
        raise CharacterError(
            f"{path}: cannot read the character file ({exc.strerror or exc}); "
            "check that it is a readable file",
            source=str(path),
        ) from None
    return parse_document(raw, source=str(path), fmt=fmt)


def from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """A minimal character from ``SWARM_AGENT_NAME`` and ``SWARM_AGENT_BIO`` in ``env``."""
    name = env.get("SWARM_AGENT_NAME", "").strip()
    if not name:
        raise CharacterError(
            "env: SWARM_AGENT_NAME is not set; set it to the agent's name (and "
            "SWARM_AGENT_BIO to describe it), or pass a character file instead",
            source=ENV_SOURCE,
        )
    bio = env.get("SWARM_AGENT_BIO", "").strip() or DEFAULT_BIO.format(name=name)
    return {"name": name, "bio": bio}


async def _fetch(url: str, *, timeout_s: float, max_bytes: int) -> tuple[bytes, Format]:
    too_large = CharacterError(
        f"{url}: the response is larger than {max_bytes} bytes; a character file is far "
        "smaller: check the URL, or raise max_bytes if it is right",
        source=url,
    )
    try:
        with anyio.fail_after(timeout_s):
            async with (
                httpx.AsyncClient(timeout=timeout_s, follow_redirects=True) as client,
                client.stream("GET", url) as response,
            ):
                if not response.is_success:
                    raise CharacterError(
                        f"{url}: HTTP {response.status_code} {response.reason_phrase}; "
                        "check the URL",
                        source=url,
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise too_large
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise too_large
                    chunks.append(chunk)
                content_type = response.headers.get("content-type", "")
    except (TimeoutError, httpx.TimeoutException):
        raise CharacterError(
            f"{url}: no complete response within {timeout_s:g} s; check that the server "
            "is up, or raise timeout_s",
            source=url,
        ) from None
    except httpx.HTTPError as exc:
        raise CharacterError(
            f"{url}: request failed ({type(exc).__name__}: {exc}); check the URL and that "
            "the server is reachable",
            source=url,
        ) from None
    path = httpx.URL(url).path.lower()
    is_yaml = path.endswith((".yaml", ".yml")) or "yaml" in content_type.lower()
    return b"".join(chunks), "yaml" if is_yaml else "json"


async def _from_module(text: str) -> object:
    module_name, _, attribute = text.partition(":")
    try:
        module = await anyio.to_thread.run_sync(importlib.import_module, module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            raise _unknown(text) from None
        raise CharacterError(
            f"module {module_name}: importing it failed, it needs module {missing!r}; install it",
            source=text,
        ) from exc
    except Exception as exc:
        raise CharacterError(
            f"module {module_name}: importing it raised {type(exc).__name__}: {exc}; "
            "fix the module",
            source=text,
        ) from exc
    value = _attribute(module, attribute, text)
    if isinstance(value, Character | Mapping | list):
        return dict(value) if isinstance(value, Mapping) else value
    raise CharacterError(
        f"module {text}: the character is a {type(value).__name__}; make it a Character, "
        "a dict or a list of them",
        source=text,
    )


def _attribute(module: ModuleType, attribute: str, text: str) -> object:
    if attribute:
        value: object = module
        for part in attribute.split("."):
            if not hasattr(value, part):
                raise CharacterError(
                    f"module {text}: {module.__name__} has no attribute {attribute!r}; "
                    "check the name after the ':'",
                    source=text,
                )
            value = getattr(value, part)
        return value
    for name in _MODULE_ATTRIBUTES:
        if hasattr(module, name):
            return getattr(module, name)
    raise CharacterError(
        f"module {text}: defines neither 'character' nor 'default'; define one of them or "
        "name the attribute as module:attribute",
        source=text,
    )

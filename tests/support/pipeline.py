"""Helpers for pipeline tests: characters, messages, models that answer in elizaOS formats."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from swarm.characters import Character
from swarm.types import Content, Memory

USER_ID = "00000000-0000-0000-0000-0000000000a1"
ROOM_ID = "00000000-0000-0000-0000-0000000000b1"


def character(name: str = "Wren", **fields: Any) -> Character:
    """A small character with one message example (for the offline model)."""
    fields.setdefault(
        "message_examples",
        [
            [
                {"name": "{{user1}}", "content": {"text": "hello"}},
                {"name": name, "content": {"text": "Hi {{user1}}!"}},
            ]
        ],
    )
    return Character(name=name, bio="A bird under test.", **fields)


def message(
    text: str = "hello", *, room_id: str = ROOM_ID, channel_type: str | None = None
) -> Memory:
    """A new incoming message from the test user, with a fresh id."""
    return Memory(
        id=str(uuid.uuid4()),
        entity_id=USER_ID,
        room_id=room_id,
        content=Content(text=text, channel_type=channel_type, data={"userName": "Ann"}),
    )


ModelFn = Callable[[Any, Mapping[str, Any]], Awaitable[Any]]


def xml_model(actions: str, text: str, calls: list[str] | None = None) -> ModelFn:
    """A TEXT model that always picks ``actions`` and says ``text`` in elizaOS XML."""

    async def handler(runtime: Any, params: Mapping[str, Any]) -> str:
        if calls is not None:
            calls.append("model")
        return (
            f"<response><thought>test</thought><actions>{actions}</actions>"
            f"<text>{text}</text></response>"
        )

    return handler


def failing_model(calls: list[str] | None = None, tag: str = "down") -> ModelFn:
    """A model whose endpoint is down."""

    async def handler(runtime: Any, params: Mapping[str, Any]) -> str:
        if calls is not None:
            calls.append(f"model:{tag}")
        raise ConnectionError(f"model {tag} is unreachable")

    return handler

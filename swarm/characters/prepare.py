"""Filling in what a character file may leave out, as elizaOS does before running it."""

from __future__ import annotations

import re

from swarm.characters.model import Character, Style
from swarm.ids import string_to_uuid

__all__ = ["default_username", "prepare_character"]

_WHITESPACE_RE = re.compile(r"\s+")


def default_username(name: str) -> str:
    """``name`` lower-cased, whitespace runs replaced by ``_``: ``"Dr  Who"`` -> ``dr_who``."""
    return _WHITESPACE_RE.sub("_", name.strip().lower())


def prepare_character(character: Character) -> Character:
    """A copy of ``character`` with every default filled in; the input is unchanged.

    ``id`` becomes ``string_to_uuid(name)`` (the id elizaOS gives the same character),
    ``username`` the name lower-cased with ``_`` for whitespace; the lists and maps left out
    (topics, adjectives, examples, style, settings, secrets, plugins...) are set explicitly,
    so even ``model_dump(exclude_unset=True)`` shows the complete character. Idempotent.
    """
    own = character.model_copy(deep=True)  # update values are not copied: copy them first
    style = own.style
    return own.model_copy(
        update={
            "id": own.id or string_to_uuid(own.name),
            "username": own.username or default_username(own.name),
            "templates": own.templates,
            "message_examples": own.message_examples,
            "post_examples": own.post_examples,
            "topics": own.topics,
            "adjectives": own.adjectives,
            "knowledge": own.knowledge,
            "plugins": own.plugins,
            "settings": own.settings,
            "secrets": own.secrets,
            "style": Style(
                all=style.all, chat=style.chat, post=style.post, **(style.model_extra or {})
            ),
        },
    )

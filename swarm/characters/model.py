"""The character: who an agent is, in elizaOS's character-file format.

Python attributes are snake_case; the JSON keys are camelCase as elizaOS writes them. Both
are accepted on input, and ``model_dump(by_alias=True)`` gives elizaOS JSON: optional
scalars that are unset are left out (elizaOS rejects ``null`` there), lists and maps are
always present. Keys elizaOS does not define are kept as they are (``model_extra``).

Legacy (v0) files are normalised on the way in, see :mod:`swarm.characters.legacy`.

Knowledge items are strings (an inline fact, as elizaOS's runtime treats them),
``{"path": ..., "shared"?: ...}`` (a document) or ``{"directory": ..., "shared"?: ...}``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    SerializerFunctionWrapHandler,
    Tag,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

from swarm.characters.legacy import normalize_legacy
from swarm.ids import is_uuid

__all__ = [
    "Character",
    "ExampleContent",
    "KnowledgeDirectory",
    "KnowledgeFile",
    "KnowledgeItem",
    "MessageExample",
    "Style",
]

logger = logging.getLogger("swarm.characters")
_MASK = "***"


class ElizaModel(BaseModel):
    """camelCase JSON, snake_case Python, unknown keys kept, unset optionals omitted."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="allow",
    )

    @model_serializer(mode="wrap")
    def _omit_unset_optionals(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        for name, field in type(self).model_fields.items():
            if field.default is None and getattr(self, name, None) is None:
                data.pop(name, None)
                data.pop(field.alias or name, None)
        return data


class ExampleContent(ElizaModel):
    """What a speaker says in an example message; other elizaOS content keys are kept."""

    text: str | None = None
    thought: str | None = None
    actions: list[str] | None = None
    providers: list[str] | None = None


class MessageExample(ElizaModel):
    """One message of an example conversation; ``name`` may be a placeholder like
    ``{{name1}}``."""

    name: str
    content: ExampleContent


class KnowledgeFile(ElizaModel):
    """A document the character knows; ``shared`` makes it visible to every agent."""

    path: str
    shared: bool | None = None


class KnowledgeDirectory(ElizaModel):
    """A directory of documents the character knows."""

    directory: str
    shared: bool | None = None


def _knowledge_kind(value: Any) -> str | None:
    # Tags are bracketed so they never collide with a key in the data (error paths skip them).
    if isinstance(value, str):
        return "<fact>"
    if isinstance(value, KnowledgeDirectory):
        return "<directory>"
    if isinstance(value, KnowledgeFile):
        return "<file>"
    if isinstance(value, Mapping):
        return "<directory>" if "directory" in value else "<file>"
    return None


KnowledgeItem = Annotated[
    Annotated[str, Tag("<fact>")]
    | Annotated[KnowledgeFile, Tag("<file>")]
    | Annotated[KnowledgeDirectory, Tag("<directory>")],
    Discriminator(
        _knowledge_kind,
        custom_error_type="knowledge_item",
        custom_error_message='must be a string, {"path": ...} or {"directory": ...}',
    ),
]
"""A knowledge entry: an inline fact, a file or a directory."""


def _bio_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "<text>"
    if isinstance(value, list | tuple):
        return "<lines>"
    return None


Bio = Annotated[
    Annotated[str, Tag("<text>")] | Annotated[list[str], Tag("<lines>")],
    Discriminator(
        _bio_kind,
        custom_error_type="bio_type",
        custom_error_message="must be a string or a list of strings",
    ),
]


def _secret_value(value: Any) -> str | bool | int | float:
    if isinstance(value, str | bool | int | float):
        return value
    raise ValueError(f"must be a string, number or boolean, got {type(value).__name__}")


SecretValue = Annotated[str | bool | int | float, PlainValidator(_secret_value)]


class Style(ElizaModel):
    """How the character writes: everywhere, in chats, in posts."""

    all: list[str] = Field(default_factory=list)
    chat: list[str] = Field(default_factory=list)
    post: list[str] = Field(default_factory=list)


class Character(ElizaModel):
    """An elizaOS character (v1 format; v0 files are normalised on input)."""

    name: str
    bio: Bio
    id: str | None = None
    username: str | None = None
    system: str | None = None
    templates: dict[str, str] = Field(default_factory=dict)
    message_examples: list[list[MessageExample]] = Field(default_factory=list)
    post_examples: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    adjectives: list[str] = Field(default_factory=list)
    knowledge: list[KnowledgeItem] = Field(default_factory=list)
    plugins: list[str] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, SecretValue] = Field(default_factory=dict)
    style: Style = Field(default_factory=Style)

    @model_validator(mode="before")
    @classmethod
    def _normalise_legacy(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, Mapping):
            return data
        normalised, notes = normalize_legacy(data)
        if notes:
            name = normalised.get("name", "?")
            source = (info.context or {}).get("source")
            where = f" from {source}" if source else ""
            for note in notes:
                logger.warning("character %r%s: %s", name, where, note)
        return normalised

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty; give the character a name")
        return value

    @field_validator("bio")
    @classmethod
    def _bio_not_blank(cls, value: str | list[str]) -> str | list[str]:
        lines = [value] if isinstance(value, str) else value
        if not any(line.strip() for line in lines):
            raise ValueError("must not be empty; describe the character in a sentence or a list")
        return value

    @field_validator("id")
    @classmethod
    def _id_is_uuid(cls, value: str | None) -> str | None:
        if value is not None and not is_uuid(value):
            raise ValueError(
                f"must be a UUID (8-4-4-4-12 hex digits), got {value!r}; "
                "remove it to derive the id from the name"
            )
        return value

    def __repr_args__(self) -> Any:
        # Secret values never reach a log line or a traceback through repr(); names do.
        for name, value in super().__repr_args__():
            if name == "secrets":
                yield name, dict.fromkeys(value, _MASK)
            elif name == "settings" and isinstance(value.get("secrets"), Mapping):
                yield name, {**value, "secrets": dict.fromkeys(value["secrets"], _MASK)}
            else:
                yield name, value

    @property
    def bio_lines(self) -> list[str]:
        """The bio as a list of non-empty lines, whichever form the file used."""
        lines = self.bio.splitlines() if isinstance(self.bio, str) else self.bio
        return [line for line in lines if line.strip()]

    def setting(self, key: str, default: Any = None) -> Any:
        """A setting looked up as elizaOS's ``getSetting`` does.

        ``secrets`` first, then ``settings``, then ``settings.secrets``; ``default`` when
        none has it.
        """
        if key in self.secrets:
            return self.secrets[key]
        if key in self.settings:
            return self.settings[key]
        nested = self.settings.get("secrets")
        if isinstance(nested, Mapping) and key in nested:
            return nested[key]
        return default

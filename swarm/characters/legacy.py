"""Legacy (elizaOS v0) character files, mapped onto the v1 format.

What changes, each reported as a note (``"field: what was done"``):

- ``lore`` is appended to ``bio`` (turned into a list), as elizaOS's v1 migration does:
  v1 has no lore, and the bio is what prompts show.
- ``clients`` become plugins: ``"discord"`` -> ``"@elizaos/plugin-discord"`` (``"direct"``
  is dropped: swarm's own transports replace it). An empty list is dropped silently.
- ``modelProvider`` moves to ``settings.modelProvider``; a provider with a v1 plugin adds
  that plugin (``"openai"`` -> ``"@elizaos/plugin-openai"``) unless a model plugin is listed.
- Example messages naming their speaker with ``user`` get ``name``; a content ``action``
  string becomes the ``actions`` list.

Plain-string ``knowledge`` needs no change: both versions read a string as an inline fact.
Values of the wrong shape are left alone, so validation reports them where they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["normalize_legacy"]

# v0 modelProvider values whose provider has an elizaOS v1 plugin.
_PROVIDER_PLUGINS = {
    "openai": "@elizaos/plugin-openai",
    "anthropic": "@elizaos/plugin-anthropic",
    "ollama": "@elizaos/plugin-ollama",
    "groq": "@elizaos/plugin-groq",
    "openrouter": "@elizaos/plugin-openrouter",
    "google": "@elizaos/plugin-google-genai",
    "llama_local": "@elizaos/plugin-local-ai",
}
# The v0 REST client; swarm's gateway and streams play its part.
_BUILT_IN_CLIENTS = frozenset({"direct"})


def normalize_legacy(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Return a v1 copy of ``data`` and a note per legacy field mapped; ``data`` is unchanged.

    Idempotent: a v1 character comes back equal, with no notes.
    """
    out = dict(data)
    notes: list[str] = []
    _merge_lore(out, notes)
    _clients_to_plugins(out, notes)
    _move_model_provider(out, notes)
    _normalise_examples(out, notes)
    return out, notes


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _merge_lore(out: dict[str, Any], notes: list[str]) -> None:
    lore = out.get("lore")
    if isinstance(lore, str):
        lore = [lore]
    bio = out.get("bio")
    if not _is_str_list(lore) or not (bio is None or isinstance(bio, str) or _is_str_list(bio)):
        return
    del out["lore"]
    if not lore:
        return
    lines = [] if bio is None else [bio] if isinstance(bio, str) else list(bio)
    out["bio"] = [line for line in lines if line.strip()] + lore
    notes.append(f"lore: merged {len(lore)} entries into bio (elizaOS v1 has no lore)")


def _clients_to_plugins(out: dict[str, Any], notes: list[str]) -> None:
    clients = out.get("clients")
    plugins = out.get("plugins", [])
    if not _is_str_list(clients) or not isinstance(plugins, list):
        return
    del out["clients"]
    if not clients:
        return
    added = []
    for client in clients:
        short = client.strip().lower()
        name = f"@elizaos/plugin-{short}"
        if short and short not in _BUILT_IN_CLIENTS and name not in plugins and name not in added:
            added.append(name)
    out["plugins"] = [*plugins, *added]
    became = f"became plugins {added}" if added else "dropped (swarm's transports replace them)"
    notes.append(f"clients: v0 clients {clients} {became}")


def _move_model_provider(out: dict[str, Any], notes: list[str]) -> None:
    provider = out.get("modelProvider")
    settings = out.get("settings", {})
    plugins = out.get("plugins", [])
    if not isinstance(provider, str) or not isinstance(settings, Mapping):
        return
    del out["modelProvider"]
    out["settings"] = {**settings, "modelProvider": settings.get("modelProvider", provider)}
    note = f"modelProvider: {provider!r} moved to settings.modelProvider"
    plugin = _PROVIDER_PLUGINS.get(provider.strip().lower())
    has_model_plugin = isinstance(plugins, list) and any(
        p in _PROVIDER_PLUGINS.values() for p in plugins
    )
    if plugin and isinstance(plugins, list) and not has_model_plugin:
        out["plugins"] = [*plugins, plugin]
        note += f"; plugin {plugin} added"
    notes.append(note)


def _normalise_examples(out: dict[str, Any], notes: list[str]) -> None:
    conversations = out.get("messageExamples", out.get("message_examples"))
    key = "messageExamples" if "messageExamples" in out else "message_examples"
    if not isinstance(conversations, list):
        return
    renamed = moved = 0
    result: list[Any] = []
    for conversation in conversations:
        if not isinstance(conversation, list):
            result.append(conversation)
            continue
        messages: list[Any] = []
        for message in conversation:
            if isinstance(message, Mapping):
                message = dict(message)
                if "user" in message and "name" not in message:
                    message = {"name": message.pop("user"), **message}
                    renamed += 1
                content = message.get("content")
                if (
                    isinstance(content, Mapping)
                    and isinstance(content.get("action"), str)
                    and "actions" not in content
                ):
                    content = dict(content)
                    content["actions"] = [content.pop("action")]
                    message["content"] = content
                    moved += 1
            messages.append(message)
        result.append(messages)
    if not (renamed or moved):
        return
    out[key] = result
    if renamed:
        notes.append(
            f"messageExamples: {renamed} messages named their speaker with v0 'user'; "
            "renamed to 'name'"
        )
    if moved:
        notes.append(f"messageExamples: {moved} messages used v0 'action'; moved to 'actions'")

"""Composing the state of a turn: the room's recent messages and every provider's context.

Providers run in parallel, each under a timeout; one that fails, times out or answers
something that is not a :class:`ProviderResult` is logged and left out, never failing the
turn. Results are kept in ``position`` order. ``dynamic`` providers run only when asked for
by name, ``private`` ones likewise and are never listed to the model. The context text has
one ``[NAME]`` section per provider that said something, then the conversation.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import anyio

from swarm.runtime.components import Provider, ProviderResult, State
from swarm.runtime.logs import describe
from swarm.types import Memory

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = [
    "CHARS_PER_TOKEN",
    "compose_state",
    "format_line",
    "format_messages",
    "sender_name",
]

CHARS_PER_TOKEN = 4
"""The usual rule of thumb for English text and BPE tokenizers; an estimate, not a count."""


def sender_name(message: Memory, default: str = "user") -> str:
    """The display name of who sent ``message``, as clients put it in ``content.data``."""
    data = message.content.data
    if data:
        for key in ("userName", "user_name", "name", "entityName"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
    extra = message.metadata.extra
    if extra:
        value = extra.get("entityName")
        if isinstance(value, str) and value:
            return value
    return default


def format_line(message: Memory, agent_id: str, agent_name: str) -> str:
    """``Name: text`` as elizaOS shows a message to a model ("" for a message without text)."""
    text = message.content.text
    if not text:
        return ""
    return f"{agent_name if message.entity_id == agent_id else sender_name(message)}: {text}"


def format_messages(messages: Sequence[Memory], agent_id: str, agent_name: str) -> str:
    """The conversation lines of ``messages``, oldest first."""
    lines = (format_line(m, agent_id, agent_name) for m in messages)
    return "\n".join(line for line in lines if line)


def _selected(
    providers: dict[str, Provider], include: Collection[str], only_include: bool
) -> list[Provider]:
    if only_include:
        return [p for p in providers.values() if p.name in include]
    return [p for p in providers.values() if (not p.dynamic and not p.private) or p.name in include]


async def _run_provider(
    runtime: AgentRuntime,
    provider: Provider,
    message: Memory,
    state: State,
    timeout_s: float,
    results: dict[str, ProviderResult],
) -> None:
    started = time.perf_counter()
    ok = False
    try:
        with anyio.fail_after(timeout_s):
            result = await provider.get(runtime, message, state)
        if isinstance(result, ProviderResult):
            results[provider.name] = result
            ok = True
        else:
            runtime.logger.warning(
                "provider %r returned %s instead of a ProviderResult; left out of the state",
                provider.name,
                type(result).__name__,
            )
    except TimeoutError:
        runtime.logger.warning(
            "provider %r took longer than %.3g s; left out of the state", provider.name, timeout_s
        )
    except Exception as exc:
        runtime.logger.warning(
            "provider %r failed (%s); left out of the state", provider.name, describe(exc)
        )
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        runtime.metrics.record("provider", provider.name, elapsed_ms, ok)


async def _run_providers(
    runtime: AgentRuntime,
    chosen: list[Provider],
    message: Memory,
    state: State,
    timeout_s: float,
) -> dict[str, ProviderResult]:
    """The results of the ``chosen`` providers that answered, in ``chosen`` order."""
    results: dict[str, ProviderResult] = {}
    if len(chosen) == 1:  # the common case pays for no task group
        await _run_provider(runtime, chosen[0], message, state, timeout_s, results)
    elif chosen:
        async with anyio.create_task_group() as tg:
            for provider in chosen:
                tg.start_soon(_run_provider, runtime, provider, message, state, timeout_s, results)
    return {p.name: results[p.name] for p in chosen if p.name in results}


async def compose_state(
    runtime: AgentRuntime,
    message: Memory,
    recent: Sequence[Memory],
    *,
    include: Collection[str] = (),
    only_include: bool = False,
    timeout_s: float = 5.0,
    conversation: str | None = None,
) -> State:
    """The state for ``message``: ``recent`` (oldest first) plus the providers' results.

    ``include`` names dynamic or private providers to run as well; with ``only_include``
    only those run. ``state.values`` carries ``agentName``, ``senderName``,
    ``recentMessages``, ``providers`` (the names listed to the model) and
    ``tokenEstimate``; ``state.data["providers"]`` each provider's result by name.
    ``conversation`` is ``recent`` already formatted, when the caller has it.
    """
    agent_name = runtime.character.name
    if conversation is None:
        conversation = format_messages(recent, runtime.agent_id, agent_name)
    state = State(
        values={
            "agentName": agent_name,
            "senderName": sender_name(message),
            "recentMessages": conversation,
        },
        data={"recentMessages": list(recent)},
    )
    providers = runtime.providers
    sections: list[str] = []
    if providers:  # an agent without providers skips their bookkeeping altogether
        ordered = await _run_providers(
            runtime, _selected(providers, include, only_include), message, state, timeout_s
        )
        for name, result in ordered.items():
            state.values.update(result.values)
            if result.text:
                sections.append(f"[{name}]\n{result.text}")
    else:
        ordered = {}
    state.data["providers"] = ordered
    if conversation:
        sections.append(f"[RECENT_MESSAGES]\n{conversation}")
    state.text = "\n\n".join(sections)
    state.values["providers"] = [p.name for p in providers.values() if not p.private]
    token_estimate = len(state.text) // CHARS_PER_TOKEN + 1
    state.values["tokenEstimate"] = token_estimate
    state.data["tokenEstimate"] = token_estimate
    return state

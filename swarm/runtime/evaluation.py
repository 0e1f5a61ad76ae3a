"""Evaluators after the response: which run, in parallel, each failure isolated.

As in elizaOS, an evaluator runs when it is ``always_run``, or when the agent responded and
its ``validate`` accepts the message. Each result becomes a memory (``metadata.type ==
"evaluation"``) with an id derived from (message id, agent id, evaluator name), so a
retried turn does not store it twice.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import anyio

from swarm.ids import derived_id
from swarm.runtime.components import ActionResult, Evaluator, State
from swarm.runtime.logs import describe
from swarm.types import Content, Memory, MemoryMetadata, now_ms

if TYPE_CHECKING:
    from swarm.runtime.runtime import AgentRuntime

__all__ = ["EVALUATION", "evaluation_id", "run_evaluators"]

EVALUATION = "evaluation"
"""``metadata.type`` of an evaluator's result memory."""


def evaluation_id(message_id: str, agent_id: str, evaluator: str) -> str:
    """The id of the memory holding ``evaluator``'s result for one message."""
    return derived_id("ev", message_id, agent_id, evaluator)


async def _should_run(
    runtime: AgentRuntime, evaluator: Evaluator, message: Memory, state: State, responded: bool
) -> bool:
    if evaluator.always_run:
        return True
    if not responded:
        return False
    try:
        return bool(await evaluator.validate(runtime, message, state))
    except Exception as exc:
        runtime.logger.warning(
            "validate of evaluator %r raised (%s); not run", evaluator.name, describe(exc)
        )
        return False


async def _run(
    runtime: AgentRuntime,
    evaluator: Evaluator,
    message: Memory,
    state: State,
    responses: Sequence[Memory],
    responded: bool,
    results: dict[str, ActionResult],
) -> None:
    if not await _should_run(runtime, evaluator, message, state, responded):
        return
    started = time.perf_counter()
    ok = True
    try:
        outcome = await evaluator.handler(runtime, message, state, responses)
    except Exception as exc:
        ok = False
        runtime.logger.warning("evaluator %r failed: %s", evaluator.name, describe(exc))
    else:
        if isinstance(outcome, ActionResult):
            results[evaluator.name] = outcome
    elapsed_ms = (time.perf_counter() - started) * 1000.0
    if evaluator.name in results:
        results[evaluator.name].execution_time_ms = elapsed_ms
    runtime.metrics.record("evaluator", evaluator.name, elapsed_ms, ok)


async def run_evaluators(
    runtime: AgentRuntime,
    message: Memory,
    state: State,
    responses: Sequence[Memory],
    responded: bool,
    message_id: str,
) -> list[Memory]:
    """Run the evaluators that apply; return their results as memories, in registration order.

    ``message`` is the incoming memory; ``message_id`` the id the sender gave the message,
    from which the results' ids derive.
    """
    evaluators = list(runtime.evaluators.values())
    if not evaluators:
        return []
    results: dict[str, ActionResult] = {}
    if len(evaluators) == 1:
        await _run(runtime, evaluators[0], message, state, responses, responded, results)
    else:
        async with anyio.create_task_group() as tg:
            for evaluator in evaluators:
                tg.start_soon(
                    _run, runtime, evaluator, message, state, responses, responded, results
                )
    memories = []
    for evaluator in evaluators:
        result = results.get(evaluator.name)
        if result is None:
            continue
        memories.append(
            Memory(
                id=evaluation_id(message_id, runtime.agent_id, evaluator.name),
                entity_id=runtime.agent_id,
                agent_id=runtime.agent_id,
                room_id=message.room_id,
                world_id=message.world_id,
                created_at=now_ms(),
                content=Content(
                    text=result.text or "",
                    data={
                        "evaluator": evaluator.name,
                        "success": result.success,
                        "error": result.error,
                        "values": result.values,
                        "data": result.data,
                    },
                ),
                metadata=MemoryMetadata(type=EVALUATION, source=evaluator.name),
            )
        )
    return memories

"""How fast one AgentRuntime turns messages around with the offline model.

Runs ``process_message`` for N messages spread over a few rooms against the in-memory fake
store, in both modes (``persist=True``: the runtime writes; ``persist=False``: the worker's
batched mode, no store I/O in the turn), and prints messages/s and µs of CPU per turn.

    .venv/bin/python bench/pipeline_bench.py [--messages 20000] [--rooms 50]
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
import uuid
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from swarm import AgentRuntime, Character, Content, Memory
from tests.support.memory_store import InMemoryStore

CHARACTER = Character(
    name="Wren",
    bio="A small bird who answers questions about the weather and the garden.",
    message_examples=[
        [
            {"name": "{{user1}}", "content": {"text": "hello"}},
            {"name": "Wren", "content": {"text": "Hi {{user1}}! Lovely day."}},
        ],
        [
            {"name": "{{user1}}", "content": {"text": "will it rain tomorrow?"}},
            {"name": "Wren", "content": {"text": "Clouds gather in the west, take a coat."}},
        ],
        [
            {"name": "{{user1}}", "content": {"text": "what should I plant in spring?"}},
            {"name": "Wren", "content": {"text": "Peas and radishes, they love the cold."}},
        ],
    ],
)
TEXTS = ["hello wren", "is it going to rain?", "what do I plant now?", "thanks, bye"]


def messages(count: int, rooms: int) -> list[Memory]:
    room_ids = [str(uuid.uuid4()) for _ in range(rooms)]
    return [
        Memory(
            id=str(uuid.uuid4()),
            entity_id="00000000-0000-0000-0000-000000000001",
            room_id=room_ids[i % rooms],
            content=Content(text=TEXTS[i % len(TEXTS)], data={"userName": "Ann"}),
        )
        for i in range(count)
    ]


async def run(count: int, rooms: int, *, persist: bool, check_replay: bool) -> None:
    runtime = AgentRuntime(CHARACTER, adapter=InMemoryStore())
    await runtime.initialize()
    for message in messages(200, rooms):  # warm the offline model's indexes and the rooms
        await runtime.process_message(message, persist=persist, check_replay=check_replay)
    batch = messages(count, rooms)
    wall, cpu = time.perf_counter(), time.process_time()
    for message in batch:
        await runtime.process_message(message, persist=persist, check_replay=check_replay)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    snapshot = runtime.get_metrics()
    await runtime.stop()
    print(
        f"persist={persist!s:5} check_replay={check_replay!s:5} {count} msgs: "
        f"{count / wall:8.0f} msg/s, {cpu / count * 1e6:6.1f} µs CPU/turn, "
        f"p50 {snapshot['response_ms']['p50'] * 1000:.0f} µs, "
        f"p99 {snapshot['response_ms']['p99'] * 1000:.0f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rooms", type=int, default=50)
    args = parser.parse_args()
    for persist, check_replay in ((True, True), (False, True), (False, False)):
        anyio.run(
            functools.partial(
                run, args.messages, args.rooms, persist=persist, check_replay=check_replay
            )
        )


if __name__ == "__main__":
    main()

"""End to end: child agents and delegated tasks with a real coordinator and two real workers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest

from swarm.bus import decode_reply, encode_message, keys, result_stream
from swarm.client import SwarmClient
from swarm.hierarchy import NO_AUTHORITY, Permissions
from swarm.ids import incoming_id, string_to_uuid
from swarm.memory import MemoryStore, create_store
from tests.support.fleet import EXAMPLES, ROOT, Fleet, wait_for
from tests.support.memory import drop_schema, libpq_url, unique_schema
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

QUILL = EXAMPLES / "quill.json"
SLOW_PLUGIN = ROOT / "tests" / "support" / "slow_plugin.py"


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    schema = unique_schema("swarm_deleg")
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    drop_schema(postgres_url, schema)


@pytest.fixture
def fleet(tmp_path: Path, pg_url: str) -> Iterator[Fleet]:
    server = RedisServer(tmp_path / "redis").start()
    logs = tmp_path / "logs"
    logs.mkdir()
    fleet = Fleet(server.url, pg_url, logs)
    fleet.env["SWARM_WORKER_PRESENCE_TTL_S"] = "1.5"  # a killed worker counts as dead quickly
    try:
        yield fleet
    finally:
        fleet.close()
        server.stop()


@pytest.fixture
def boss(tmp_path: Path) -> Path:
    """Eliza renamed Boss, with the inheritable slow-tasks plugin."""
    data = json.loads((EXAMPLES / "eliza.json").read_text())
    data.update(name="Boss", username="boss", plugins=[f"{SLOW_PLUGIN}:plugin"])
    data["settings"] = {**data.get("settings", {}), "TEAM": "red", "MOOD": "calm"}
    path = tmp_path / "boss.json"
    path.write_text(json.dumps(data))
    return path


def helper_character(name: str = "Helper") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "scout.json").read_text())
    data.update(name=name, username=name.lower(), plugins=[], settings={"MOOD": "eager"})
    return data


@pytest.fixture
async def store(fleet: Fleet) -> Any:
    store = create_store(fleet.database_url)
    await store.init()
    yield store
    await store.close()


async def create_helper(client: SwarmClient, fleet: Fleet) -> str:
    child_id = await client.create_child("Boss", helper_character(), timeout=20)
    wait_for(lambda: _hosted(fleet, child_id), "a worker to serve Helper")
    return child_id


def _hosted(fleet: Fleet, agent_id: str) -> bool:
    for key in fleet.redis.scan_iter(match=keys.presence_pattern()):
        raw = fleet.redis.get(key)
        if raw and agent_id in json.loads(raw).get("agents", []):
            return True
    return False


@pytest.mark.anyio
async def test_a_delegated_task_is_done_by_the_child_and_its_row_records_it(
    fleet: Fleet, boss: Path, store: MemoryStore
) -> None:
    """Boss -> its child Helper: status done, the child's answer, and a task row that is done."""
    fleet.coordinator()
    fleet.worker(boss)
    fleet.worker(QUILL)
    async with SwarmClient(fleet.redis_url) as client:
        child_id = await create_helper(client, fleet)
        result = await client.delegate("Boss", "Helper", "hello, can you help?", timeout=10)
        assert (result.status, result.error) == ("done", None)
        assert result.text
        task = await store.get_task(result.task_id)
        assert task is not None
        assert (task.status, task.agent_id, task.entity_id) == (
            "done",
            child_id,
            string_to_uuid("Boss"),
        )
        assert task.metadata["result"] == result.text
        stored = await store.get_agent(child_id)
        assert stored is not None
        assert stored.data["swarm_hierarchy"]["parent"] == string_to_uuid("Boss")


@pytest.mark.anyio
async def test_a_non_parent_is_refused_and_no_task_row_is_created(
    fleet: Fleet, boss: Path, store: MemoryStore
) -> None:
    """Quill delegating to Boss's child gets exactly 'No authority over this agent'."""
    fleet.coordinator()
    fleet.worker(boss)
    fleet.worker(QUILL)
    async with SwarmClient(fleet.redis_url) as client:
        await create_helper(client, fleet)
        result = await client.delegate("Quill", "Helper", "do my homework", timeout=10)
        assert (result.status, result.error) == ("refused", NO_AUTHORITY)
        assert await store.get_task(result.task_id) is None


@pytest.mark.anyio
async def test_a_crafted_inbox_entry_claiming_another_parent_is_refused_by_the_worker(
    fleet: Fleet, boss: Path, store: MemoryStore
) -> None:
    """A task written straight into Helper's inbox 'from' Quill is answered with a refusal,
    and Helper never runs the turn (no incoming memory)."""
    fleet.coordinator()
    fleet.worker(boss)
    async with SwarmClient(fleet.redis_url) as client:
        child_id = await create_helper(client, fleet)
        task_id = str(uuid.uuid4())
        quill = string_to_uuid("Quill")
        fields = encode_message(
            text="do my homework",
            message_id=task_id,
            reply_to=result_stream(task_id),
            sender=quill,
            metadata={"task_id": task_id, "delegated_by": quill, "from_agent": quill},
        )
        await client.redis.xadd(keys.inbox(child_id), fields)  # type: ignore[arg-type]
        found: Any = await client.redis.xread({result_stream(task_id): "0"}, block=10_000)
        assert found, "the worker wrote no answer"
        reply = decode_reply(found[0][1][0][1])
        assert reply.content.data == {"task_status": "refused", "error": NO_AUTHORITY}
        assert await store.get_memory(incoming_id(task_id, child_id)) is None


@pytest.mark.anyio
async def test_a_task_past_its_timeout_is_reported_timed_out(
    fleet: Fleet, boss: Path, store: MemoryStore
) -> None:
    """A child held up by its (inherited) slow plugin: status timed_out, row timed_out."""
    fleet.coordinator()
    fleet.worker(boss)
    async with SwarmClient(fleet.redis_url) as client:
        await create_helper(client, fleet)
        result = await client.delegate("Boss", "Helper", "[sleep] think hard", timeout=1)
        assert result.status == "timed_out"
        assert (result.error or "").startswith("timed out")
        task = await store.get_task(result.task_id)
        assert task is not None
        assert task.status == "timed_out"


@pytest.mark.anyio
async def test_a_child_whose_worker_dies_mid_task_is_reported_crashed(
    fleet: Fleet, boss: Path, store: MemoryStore
) -> None:
    """SIGKILL of the only worker hosting Helper mid-task: status failed, 'crashed: ...'."""
    fleet.coordinator()
    worker = fleet.worker(boss)
    async with SwarmClient(fleet.redis_url) as client:
        await create_helper(client, fleet)
        outcome: dict[str, Any] = {}

        async def run() -> None:
            outcome["r"] = await client.delegate("Boss", "Helper", "[sleep] work", timeout=30)

        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            for _ in range(100):  # until the child has started the task
                tasks = await store.get_tasks(status="running")
                if tasks:
                    break
                await anyio.sleep(0.05)
            worker.send_signal(signal.SIGKILL)
        result = outcome["r"]
        assert result.status == "failed"
        assert (result.error or "").startswith("crashed")
        task = await store.get_task(result.task_id)
        assert task is not None
        assert task.status == "failed"


@pytest.mark.anyio
async def test_a_delegation_to_a_child_with_no_live_worker_fails_at_once(
    fleet: Fleet, boss: Path
) -> None:
    """After the parent's worker stopped, delegating to Helper reports a crashed child."""
    fleet.coordinator()
    worker = fleet.worker(boss)
    async with SwarmClient(fleet.redis_url) as client:
        await create_helper(client, fleet)
        assert fleet.terminate(worker) == 0
        result = await client.delegate("Boss", "Helper", "anyone there?", timeout=10)
        assert result.status == "failed"
        assert "no live worker hosts agent 'Helper'" in (result.error or "")


@pytest.mark.anyio
async def test_a_child_survives_a_restart_and_shows_under_its_parent(
    fleet: Fleet, boss: Path
) -> None:
    """After its worker restarts, Helper is hosted again (from the store), answers a
    delegation, and `swarm agents --tree` shows it under Boss."""
    fleet.coordinator()
    worker = fleet.worker(boss)
    async with SwarmClient(fleet.redis_url) as client:
        child_id = await create_helper(client, fleet)
        assert fleet.terminate(worker) == 0
        fleet.worker(boss)
        wait_for(lambda: _hosted(fleet, child_id), "the restarted worker to re-host Helper")
        result = await client.delegate("Boss", "Helper", "still there?", timeout=10)
        assert result.status == "done"
    tree = subprocess.run(  # noqa: ASYNC221  # the CLI under test, run once at the end
        [sys.executable, "-m", "swarm.cli", "agents", "--tree"],
        env={**fleet.env, "SWARM_REDIS_URL": fleet.redis_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert tree.stdout.splitlines() == ["Boss (active, queued 0)", "  Helper (active, queued 0)"]


@pytest.mark.anyio
async def test_a_child_may_not_create_children_without_the_permission(
    fleet: Fleet, boss: Path
) -> None:
    """Helper (can_create_children false) asking for a child of its own is refused."""
    from swarm.errors import PermissionDeniedError

    fleet.coordinator()
    fleet.worker(boss)
    async with SwarmClient(fleet.redis_url) as client:
        await create_helper(client, fleet)
        with pytest.raises(PermissionDeniedError, match=NO_AUTHORITY):
            await client.create_child(
                "Helper", helper_character("Grandchild"), permissions=Permissions()
            )

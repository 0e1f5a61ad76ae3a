"""`swarm agents` shows a replica group's line with its replicas under it."""

from __future__ import annotations

from swarm.bus import AgentStatus
from swarm.cli.agents import format_table


def test_replicas_are_listed_under_their_group_and_a_retired_one_is_marked_draining() -> None:
    """The group line counts routable replicas; a scaled-down replica says it is draining."""
    found = [
        AgentStatus(name="Eliza#1", id="a", status="active", workers=2, group="Eliza"),
        AgentStatus(
            name="Eliza#2", id="b", status="active", workers=1, group="Eliza", routable=False
        ),
        AgentStatus(name="Scout", id="c", status="offline"),
    ]
    lines = [line.split("  ") for line in format_table(found).splitlines()]
    cells = [[c.strip() for c in line if c.strip()] for line in lines]
    assert cells[1][:3] == ["Eliza", "-", "group: 1 routable"]
    assert cells[2][:3] == ["Eliza#1", "a", "active"]
    assert cells[3][:3] == ["Eliza#2", "b", "active, draining"]
    assert cells[4][:3] == ["Scout", "c", "offline"]
    assert format_table(found).splitlines()[2].startswith("  Eliza#1")

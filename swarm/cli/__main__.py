"""``python -m swarm.cli``: how `swarm up` runs its children, whatever PATH holds."""

from swarm.cli.app import main

main()

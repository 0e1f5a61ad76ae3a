"""Embedded servers for the zero-configuration default: Valkey and PostgreSQL with pgvector.

``swarm up`` with no ``SWARM_REDIS_URL`` / ``SWARM_DATABASE_URL`` runs these under the state
directory (``.swarm/`` by default)::

    async with open_embedded_servers(settings.state_dir) as urls:
        ...  # urls.redis_url, urls.database_url

Each server leaves a pid record (``<state_dir>/<name>/server.json``) so that the next start
finds and stops a server a crashed owner left behind, and reuses its port and data.
"""

from swarm.embedded.postgres import EmbeddedPostgres
from swarm.embedded.records import ServerRecord
from swarm.embedded.server import EmbeddedServer
from swarm.embedded.servers import EmbeddedUrls, open_embedded_servers, running_embedded_urls
from swarm.embedded.valkey import EmbeddedValkey

__all__ = [
    "EmbeddedPostgres",
    "EmbeddedServer",
    "EmbeddedUrls",
    "EmbeddedValkey",
    "ServerRecord",
    "open_embedded_servers",
    "running_embedded_urls",
]

"""Redis Cluster URLs: parsing, refusal of bad ones, and the client they give."""

from __future__ import annotations

import pytest
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot

from swarm.bus import ClusterAddress, connect, is_cluster, keys, parse_cluster_url
from swarm.errors import ConfigError
from swarm.ids import string_to_uuid
from workers.read_plan import slot_groups


def test_a_cluster_url_lists_its_seed_nodes_credentials_and_tls() -> None:
    """User, password, every host:port, and TLS from the rediss+cluster scheme are parsed."""
    address = parse_cluster_url("rediss+cluster://app:s%40cret@10.0.0.1:7000,[::1]:7001,db/0")
    assert address == ClusterAddress(
        nodes=(("10.0.0.1", 7000), ("::1", 7001), ("db", 6379)),
        username="app",
        password="s@cret",
        tls=True,
    )


def test_tls_options_in_the_query_are_kept() -> None:
    """ssl_ca_certs and friends pass through to the cluster client."""
    address = parse_cluster_url("redis+cluster://h:1?ssl_ca_certs=/ca.pem&ssl_cert_reqs=none")
    assert address.options == {"ssl_ca_certs": "/ca.pem", "ssl_cert_reqs": "none"}
    assert not address.tls


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis+cluster://:hunter2@h:7000/3", "only database 0"),
        ("redis+cluster://:hunter2@", "names no node"),
        ("redis+cluster://:hunter2@h:70000", "bad port"),
        ("redis+cluster://:hunter2@h:x", "bad port"),
        ("redis+cluster://:hunter2@h:1?timeout=3", "unknown option(s) timeout"),
    ],
)
def test_a_bad_cluster_url_is_refused_without_its_password(url: str, says: str) -> None:
    """Each malformed cluster URL gets a ConfigError that says why and hides the password."""
    with pytest.raises(ConfigError) as caught:
        parse_cluster_url(url)
    assert says in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_connect_gives_redis_cluster_for_a_cluster_url_and_redis_otherwise() -> None:
    """connect() picks RedisCluster for redis+cluster:// and is_cluster() tells them apart."""
    cluster = connect("redis+cluster://127.0.0.1:7000,127.0.0.1:7001")
    single = connect("redis://127.0.0.1:6379/0")
    assert isinstance(cluster, RedisCluster)
    assert is_cluster(cluster)
    assert not is_cluster(single)


def test_an_unknown_scheme_names_the_cluster_schemes_too() -> None:
    """A URL of another scheme is refused with the list of accepted ones."""
    with pytest.raises(ConfigError, match=r"redis\+cluster://"):
        connect("http://127.0.0.1:6379")


def _inboxes(count: int) -> list[str]:
    return [keys.inbox(string_to_uuid(f"agent-{i}")) for i in range(count)]


def test_a_single_redis_reads_every_inbox_in_one_group() -> None:
    """On a single Redis the read plan keeps one group: one blocking XREADGROUP."""
    inboxes = _inboxes(20)
    assert slot_groups(connect("redis://127.0.0.1:6379/0"), inboxes) == [inboxes]


def test_on_a_cluster_every_read_group_hashes_to_one_slot() -> None:
    """On a cluster the inboxes are grouped by slot, each group one slot, none left out."""
    inboxes = _inboxes(20)
    groups = slot_groups(connect("redis+cluster://127.0.0.1:7000"), inboxes)
    assert sorted(i for group in groups for i in group) == sorted(inboxes)
    assert all(len({key_slot(i.encode()) for i in group}) == 1 for group in groups)
    assert len(groups) == len({key_slot(i.encode()) for i in inboxes})

"""deploy/k8s/: valid Kubernetes and KEDA objects, wired to each other and to swarm's contract."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from cloudcoil.models.keda.v1alpha1 import ScaledObject, TriggerAuthentication

from swarm.settings import Settings
from tests.support.deploy import (
    HEALTH_PATH,
    K8S,
    container_env,
    k8s_documents,
    k8s_object,
    load_documents,
    pod_containers,
)

# The oldest Kubernetes minor still commonly run; the manifests must also pass the newest.
K8S_VERSIONS = ("1.29.0", kubernetes_validate.utils.latest_version())

# KEDA's redis-streams trigger metadata, as documented for KEDA 2.15
# (keda-docs content/docs/2.15/scalers/redis-streams.md, "Parameter list").
REDIS_STREAMS_FIELDS = {
    "address", "host", "port", "usernameFromEnv", "passwordFromEnv", "stream",
    "consumerGroup", "pendingEntriesCount", "streamLength", "lagCount", "activationLagCount",
    "enableTLS", "unsafeSsl", "databaseIndex", "addressFromEnv", "hostFromEnv", "portFromEnv",
}  # fmt: skip
REDIS_STREAMS_AUTH_PARAMETERS = {"username", "password", "tls", "ca", "cert", "key", "keyPassword"}

KEDA_MODELS = {"ScaledObject": ScaledObject, "TriggerAuthentication": TriggerAuthentication}
CORE = [(path, doc) for path, doc in k8s_documents() if not doc["apiVersion"].startswith("keda.")]
KEDA = [(path, doc) for path, doc in k8s_documents() if doc["apiVersion"].startswith("keda.")]


def _id(item: tuple[Path, dict[str, Any]]) -> str:
    path, doc = item
    return f"{path.name}:{doc['kind']}/{doc['metadata']['name']}"


def _keda_unknown_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """Validate ``doc`` with the CRD-generated model; return what the model did not keep.

    The models ignore unknown keys, so a round trip that loses a key means the CRD has no such
    field: the caller asserts the round trip is lossless.
    """
    model = KEDA_MODELS[doc["kind"]].model_validate(doc)
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("item", CORE, ids=[_id(i) for i in CORE])
def test_manifest_validates_strictly_against_kubernetes_schema(
    item: tuple[Path, dict[str, Any]], version: str
) -> None:
    """Each core object validates against the Kubernetes JSON schema, unknown fields refused."""
    _, doc = item
    kubernetes_validate.validate(doc, version, strict=True)


def test_strict_kubernetes_validation_refuses_a_misspelt_field() -> None:
    """The validator the test above relies on rejects a misspelt probe field (it can fail)."""
    doc = copy.deepcopy(k8s_object("Deployment", "swarm-worker"))
    container = doc["spec"]["template"]["spec"]["containers"][0]
    container["livenessProbe"]["periodSecond"] = 10
    with pytest.raises(kubernetes_validate.ValidationError, match="periodSecond"):
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)


def test_every_object_is_namespace_agnostic() -> None:
    """No object pins a namespace: users pick one with kubectl -n or kustomize."""
    assert [
        doc["metadata"]["name"] for _, doc in k8s_documents() if "namespace" in doc["metadata"]
    ] == []


def test_kubernetes_object_kinds_are_all_present() -> None:
    """The manifests hold the config, secret, migration job, three deployments, PDB and KEDA."""
    kinds = {(doc["kind"], doc["metadata"]["name"]) for _, doc in k8s_documents()}
    assert {
        ("ConfigMap", "swarm-config"),
        ("Secret", "swarm-secrets"),
        ("Job", "swarm-db-upgrade"),
        ("Deployment", "swarm-coordinator"),
        ("Deployment", "swarm-worker"),
        ("Deployment", "swarm-gateway"),
        ("Service", "swarm-gateway"),
        ("PodDisruptionBudget", "swarm-worker"),
        ("ScaledObject", "swarm-worker"),
    } <= kinds


@pytest.mark.parametrize("item", KEDA, ids=[_id(i) for i in KEDA])
def test_keda_object_matches_its_crd_model_without_losing_a_field(
    item: tuple[Path, dict[str, Any]],
) -> None:
    """Each KEDA object validates against the CRD-generated model and round-trips losslessly."""
    _, doc = item
    assert _keda_unknown_fields(doc) == doc


def test_keda_round_trip_detects_an_unknown_field() -> None:
    """A ScaledObject with a field the CRD lacks does not round-trip (the check can fail)."""
    doc = copy.deepcopy(k8s_object("ScaledObject", "swarm-worker"))
    doc["spec"]["minReplicas"] = 1
    assert _keda_unknown_fields(doc) != doc


def test_scaled_object_targets_the_worker_deployment_on_stream_lag() -> None:
    """Every trigger is a redis-streams lag trigger on a swarm inbox of the workers' group."""
    spec = k8s_object("ScaledObject", "swarm-worker")["spec"]
    assert (
        spec["scaleTargetRef"]["name"]
        == k8s_object("Deployment", "swarm-worker")["metadata"]["name"]
    )
    assert spec.get("scaleTargetRef", {}).get("kind", "Deployment") == "Deployment"
    assert 0 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
    assert spec["triggers"]
    for trigger in spec["triggers"]:
        meta = trigger["metadata"]
        assert trigger["type"] == "redis-streams"
        assert set(meta) <= REDIS_STREAMS_FIELDS, set(meta) - REDIS_STREAMS_FIELDS
        assert (
            "address" in meta or "addressFromEnv" in meta or "host" in meta or "hostFromEnv" in meta
        )
        assert meta["consumerGroup"]
        # lagCount is the scaler's lag mode; KEDA documents activationLagCount as its companion.
        assert int(meta["lagCount"]) > 0
        assert int(meta["activationLagCount"]) >= 0


def test_scaled_object_watches_the_example_agents_real_inboxes_and_group() -> None:
    """Each trigger is the inbox and consumer group swarm.bus.keys names for an example agent."""
    from swarm.bus import keys
    from swarm.ids import string_to_uuid

    triggers = k8s_object("ScaledObject", "swarm-worker")["spec"]["triggers"]
    streams = [t["metadata"]["stream"] for t in triggers]
    assert streams == [keys.inbox(string_to_uuid(n)) for n in ("Eliza", "Quill", "Scout")]
    assert {t["metadata"]["consumerGroup"] for t in triggers} == {keys.WORKER_GROUP}


def test_trigger_authentication_reads_an_existing_secret_key() -> None:
    """The KEDA TriggerAuthentication names real scaler parameters and an existing Secret key."""
    spec = k8s_object("ScaledObject", "swarm-worker")["spec"]
    for trigger in spec["triggers"]:
        auth = k8s_object("TriggerAuthentication", trigger["authenticationRef"]["name"])
        for ref in auth["spec"]["secretTargetRef"]:
            assert ref["parameter"] in REDIS_STREAMS_AUTH_PARAMETERS
            assert ref["key"] in k8s_object("Secret", ref["name"])["stringData"]


def test_secrets_hold_only_placeholders() -> None:
    """Every Secret value is an obvious placeholder, so no real credential is ever committed."""
    for _, doc in k8s_documents():
        if doc["kind"] == "Secret":
            for key, value in doc["stringData"].items():
                assert "CHANGE-ME" in value, key


def _health_port(container: dict[str, Any], probe: dict[str, Any]) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    named = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    assert port in named, f"probe port {port!r} is not a port of container {container['name']}"
    return int(named[port])


@pytest.mark.parametrize("name", ["swarm-coordinator", "swarm-worker", "swarm-gateway"])
def test_deployment_probes_hit_the_contract_health_endpoint(name: str) -> None:
    """Liveness and readiness probe /health on the port the process serves it on."""
    container = k8s_object("Deployment", name)["spec"]["template"]["spec"]["containers"][0]
    args = container["args"]
    if args[0] == "serve":
        expected = int(args[args.index("--port") + 1])
    else:
        expected = int(container_env(container)["SWARM_HEALTH_PORT"])
        assert expected != 0, "SWARM_HEALTH_PORT=0 turns the health endpoint off"
    for kind in ("livenessProbe", "readinessProbe"):
        probe = container[kind]
        assert probe["httpGet"]["path"] == HEALTH_PATH
        assert _health_port(container, probe) == expected


def test_every_grace_period_exceeds_the_drain_timeout() -> None:
    """Each pod's terminationGracePeriodSeconds is longer than the drain timeout its env sets."""
    checked = 0
    for doc, pod, container in pod_containers():
        if doc["kind"] != "Deployment":
            continue
        drain_s = float(
            container_env(container).get("SWARM_DRAIN_TIMEOUT_S", Settings().drain_timeout_s)
        )
        assert pod["terminationGracePeriodSeconds"] > drain_s, doc["metadata"]["name"]
        checked += 1
    assert checked == 3


def test_every_container_has_requests_and_limits_and_runs_unprivileged() -> None:
    """Each container sets CPU/memory requests, a memory limit and a non-root security context."""
    for doc, pod, container in pod_containers():
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]), doc["metadata"]["name"]
        assert "memory" in resources["limits"], doc["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_config_and_secret_references_resolve() -> None:
    """Every envFrom names a ConfigMap or Secret defined in deploy/k8s/."""
    for _, _, container in pod_containers():
        assert container["envFrom"]
        container_env(container)  # raises when a referenced object is missing


def test_selectors_match_their_pods() -> None:
    """Deployment, PDB and Service selectors select the pods they are meant for."""
    for name in ("swarm-coordinator", "swarm-worker", "swarm-gateway"):
        spec = k8s_object("Deployment", name)["spec"]
        labels = spec["template"]["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items()
    worker_labels = k8s_object("Deployment", "swarm-worker")["spec"]["template"]["metadata"][
        "labels"
    ]
    pdb = k8s_object("PodDisruptionBudget", "swarm-worker")["spec"]
    assert pdb["selector"]["matchLabels"].items() <= worker_labels.items()
    gateway = k8s_object("Deployment", "swarm-gateway")["spec"]["template"]
    service = k8s_object("Service", "swarm-gateway")["spec"]
    assert service["selector"].items() <= gateway["metadata"]["labels"].items()
    port_names = {p["name"] for p in gateway["spec"]["containers"][0]["ports"]}
    assert {p["targetPort"] for p in service["ports"]} <= port_names


def test_kustomization_lists_every_manifest_but_the_migration_job() -> None:
    """kustomization.yaml applies every object file; the migration job runs on its own first."""
    kustomization = load_documents(K8S / "kustomization.yaml")[0]
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files - {"migrate-job.yaml"}
    job = yaml.safe_load((K8S / "migrate-job.yaml").read_text())
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["db", "upgrade"]


def test_state_dir_is_writable_under_a_read_only_root() -> None:
    """With a read-only root filesystem, SWARM_STATE_DIR lies under a writable volume mount."""
    for doc, pod, container in pod_containers():
        if not container["securityContext"].get("readOnlyRootFilesystem"):
            continue
        state_dir = container_env(container).get("SWARM_STATE_DIR", str(Settings().state_dir))
        mounts = [m["mountPath"] for m in container.get("volumeMounts", [])]
        writable = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        mounted = {
            m["mountPath"] for m in container.get("volumeMounts", []) if m["name"] in writable
        }
        assert any(state_dir.startswith(path.rstrip("/") + "/") for path in mounted), (
            doc["metadata"]["name"],
            state_dir,
            mounts,
        )

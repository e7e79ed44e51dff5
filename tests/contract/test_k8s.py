"""Every Kubernetes overlay, built with kustomize and validated by kubeconform (strict) against the Kubernetes
schemas provisioned offline by `make setup` (deploy/local/tools.py), then checked for what production needs."""

from __future__ import annotations

import importlib
import ipaddress
import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml
from pydantic_settings import BaseSettings

from deploy.local.tools import BIN, SCHEMA_DIR, kubeconform_command, prometheus_rule
from shared.settings import ServiceSettings
from shared.web import runtime

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))
DEPLOYED = {"showcase", "onboarding", "catalogue", "inquiries", "partners", "notifications"}
PRODUCTION = [o for o in OVERLAYS if o.startswith("production")]
UVICORN_VARIABLES = {"FORWARDED_ALLOW_IPS"}  # read by uvicorn itself (its Config), not by the services' settings
CRDS = "ScaledObject,TriggerAuthentication,ServiceMonitor,PrometheusRule"  # KEDA's and the Prometheus Operator's:
# no registry package ships their schemas; the tests below check them instead


def _tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{path} is missing: run `make setup` (deploy/local/tools.py provisions it)"
    return str(path)


@cache
def build(overlay: str) -> str:
    done = subprocess.run([_tool("kustomize"), "build", str(K8S / "overlays" / overlay)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def resources(overlay: str, kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(build(overlay)) if d and d["kind"] == kind}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_builds_and_is_valid_kubernetes(overlay: str) -> None:
    assert (SCHEMA_DIR / "deployment-apps-v1.json").exists(), "run `make setup` (offline Kubernetes schemas)"
    _tool("kubeconform")
    done = subprocess.run([*kubeconform_command(), "-skip", CRDS, "-"], input=build(overlay),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Invalid: 0, Errors: 0" in done.stdout, done.stdout
    assert set(resources(overlay, "Deployment")) == DEPLOYED


def test_kubeconform_rejects_what_the_api_server_would() -> None:
    """The offline schemas are really applied: an unknown field and a wrongly typed one are refused."""
    broken = build("local").replace("revisionHistoryLimit: 3", "revisionHistoryLimit: three\n  surge: 2", 1)
    done = subprocess.run([*kubeconform_command(), "-"], input=broken, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Invalid: 1" in done.stdout, done.stdout
    assert "'surge' not allowed" in done.stdout and "revisionHistoryLimit" in done.stdout


def _env(deployment: dict) -> dict[str, dict]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e for e in container.get("env", [])}


def test_production_takes_credentials_from_secrets_and_ships_none() -> None:
    assert resources("production", "Secret") == {}, "Secrets are created from the operator's secret store"
    [config] = resources("production", "ConfigMap").values()
    assert not {k for k in config["data"] if "PASSWORD" in k or "SECRET" in k}
    assert config["data"]["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    for name, deployment in resources("production", "Deployment").items():
        env = _env(deployment)
        assert env["MONGODB_URL"]["valueFrom"]["secretKeyRef"] == {"name": f"{name}-mongodb", "key": "url"}
        for variable, key in (("KAFKA_SASL_USERNAME", "username"), ("KAFKA_SASL_PASSWORD", "password")):
            assert env[variable]["valueFrom"]["secretKeyRef"] == {"name": f"{name}-kafka", "key": key}
        spec = deployment["spec"]["template"]["spec"]
        [ca] = [v for v in spec["volumes"] if v["name"] == "kafka-ca"]
        assert ca["secret"]["secretName"] == "tijara-kafka-ca"
        mounts = {m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
        assert config["data"]["KAFKA_SSL_CAFILE"].rsplit("/", 1)[0] in mounts


def test_production_settings_are_ones_the_services_read() -> None:
    """A misspelt variable would be ignored silently (pydantic-settings skips unknown names): each must be a field
    of the services' settings, or one of OpenTelemetry's standard OTEL_* variables, read by its SDK."""
    [config] = resources("production", "ConfigMap").values()
    unknown = {k for k in config["data"] if k.lower() not in ServiceSettings.model_fields
               and not k.startswith("OTEL_") and k not in UVICORN_VARIABLES}
    assert unknown == set()


def test_production_believes_x_forwarded_for_from_the_cluster_only() -> None:
    """Behind the ingress controller the per-client inquiry limit must see the visitor: uvicorn takes the client
    from X-Forwarded-For only from FORWARDED_ALLOW_IPS, which must be the cluster's addresses, never everyone."""
    [config] = resources("production", "ConfigMap").values()
    trusted = config["data"]["FORWARDED_ALLOW_IPS"].split(",")
    assert trusted and "*" not in trusted
    for network in trusted:
        assert ipaddress.ip_network(network.strip()).is_private, network


def _settings_fields(service: str) -> set[str] | None:
    """The variables the service's own Settings read (services/<name>/main.py), a nested settings class's under its
    env_prefix (notifications' SMTP_*); None for a service not in this tree yet (checked once it is merged)."""
    try:
        settings = importlib.import_module(f"services.{service}.main").Settings
    except ModuleNotFoundError:
        return None
    names = set()
    for name, field in settings.model_fields.items():
        names.add(name)
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings):
            prefix = field.annotation.model_config.get("env_prefix", "")
            names |= {f"{prefix}{nested}".lower() for nested in field.annotation.model_fields}
    return names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_a_deployment_sets_is_one_its_service_reads(overlay: str) -> None:
    for name, deployment in resources(overlay, "Deployment").items():
        if (fields := _settings_fields(name)) is None:
            continue
        unknown = {k for k in _env(deployment) if k.lower() not in fields and not k.startswith("OTEL_")}
        assert unknown == set(), f"{name} sets variables its settings do not have: {unknown}"


def test_documented_secret_example_covers_every_reference() -> None:
    text = (K8S / "overlays/production/secrets.example.yaml").read_text()
    example = {d["metadata"]["name"]: d["stringData"] for d in yaml.safe_load_all(text) if d}
    for deployment in resources("production", "Deployment").values():
        spec = deployment["spec"]["template"]["spec"]
        refs = [e["valueFrom"]["secretKeyRef"] for e in _env(deployment).values() if "valueFrom" in e]
        refs += [{"name": f["secretRef"]["name"], "key": None} for f in spec["containers"][0]["envFrom"]
                 if "secretRef" in f]
        refs += [{"name": v["secret"]["secretName"], "key": v["secret"]["items"][0]["key"]}
                 for v in spec["volumes"] if "secret" in v]
        for ref in refs:
            assert ref["name"] in text, f"secret {ref['name']} is not documented"
            assert ref["name"] not in example or ref["key"] in (*example[ref["name"]], None), ref
    assert "CHANGE-ME" in example["tijara-kafka"]["password"], "placeholders only"
    assert example["catalogue-kafka"]["username"] == "catalogue", "each service its own Kafka principal"


def test_production_scales_spreads_and_survives_drains() -> None:
    deployments = resources("production", "Deployment")
    hpas, pdbs = resources("production", "HorizontalPodAutoscaler"), resources("production", "PodDisruptionBudget")
    for name, deployment in deployments.items():
        assert "replicas" not in deployment["spec"], "the HPA owns replicas; apply must not reset them"
        hpa = hpas[name]["spec"]
        assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["minReplicas"] >= 2
        [metric] = hpa["metrics"]
        if name == "showcase":  # every replica applies every event: its CPU is not its load, its page requests are
            assert metric["type"] == "Pods" and metric["pods"]["metric"]["name"] == "tijara_http_requests_per_second"
        else:
            assert metric["resource"]["name"] == "cpu"
        assert pdbs[name]["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
        pod = deployment["spec"]["template"]["spec"]
        keys = {c["topologyKey"] for c in pod["topologySpreadConstraints"]}
        assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
        [container] = pod["containers"]
        assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_production_readiness_names_only_what_serving_needs() -> None:
    """A Kafka outage must not take the page or the partner gateway out of their Services: readiness in production
    never includes Kafka (TijaraDependencyDown alerts on it), and the page, served from memory, needs nothing."""
    for name, deployment in resources("production", "Deployment").items():
        checks = json.loads(_env(deployment)["READINESS_CHECKS"]["value"])
        assert ServiceSettings(readiness_checks=checks).readiness_checks == checks
        assert checks == ([] if name == "showcase" else ["mongodb"]), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_grace_period_covers_the_worst_case_drain(overlay: str) -> None:
    """preStop, then shared/web/runtime.py's bounds: requests, background jobs, the relay's last round; 10 s of margin
    for closing the broker and the store before the kubelet's SIGKILL."""
    drain = (runtime.REQUEST_DRAIN_SECONDS + runtime.JOB_CANCEL_ATTEMPTS * runtime.JOB_CANCEL_WAIT_SECONDS
             + runtime.RELAY_DRAIN_SECONDS)
    for name, deployment in resources(overlay, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["lifecycle"]["preStop"]["exec"]["command"][:1] == ["sleep"]
        pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
        assert pre_stop + drain + 10 <= pod["terminationGracePeriodSeconds"], name


@pytest.mark.parametrize("overlay", PRODUCTION)
def test_production_images_are_pinned_by_digest(overlay: str) -> None:
    for name, deployment in resources(overlay, "Deployment").items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert re.fullmatch(r"[a-z0-9.\-/]+@sha256:[0-9a-f]{64}", container["image"]), (name, container["image"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_runs_as_its_own_account_without_an_api_token(overlay: str) -> None:
    accounts = resources(overlay, "ServiceAccount")
    for name, deployment in resources(overlay, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == name and pod["automountServiceAccountToken"] is False
        assert accounts[name]["automountServiceAccountToken"] is False


def test_production_network_is_default_deny_with_named_openings() -> None:
    policies = resources("production", "NetworkPolicy")
    assert policies["default-deny"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    [rule] = policies["tijara-metrics-in"]["spec"]["ingress"]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    egress_ports = {p["port"] for r in policies["tijara-egress"]["spec"]["egress"] for p in r["ports"]}
    assert {53, 9092, 27017, 443, 4318} <= egress_ports
    assert DEPLOYED <= set(policies), "a policy per service, naming its callers"


def test_keda_component_replaces_the_autoscalers_as_each_service_scales() -> None:
    assert resources("production-operators", "HorizontalPodAutoscaler") == {}
    scaled = resources("production-operators", "ScaledObject")
    assert set(scaled) == set(resources("production-operators", "Deployment"))
    [auth] = resources("production-operators", "TriggerAuthentication").values()
    batch = ServiceSettings().consumer_batch_size
    for name, obj in scaled.items():
        assert obj["spec"]["scaleTargetRef"]["name"] == name and obj["spec"]["minReplicaCount"] >= 2
        kafka = [t for t in obj["spec"]["triggers"] if t["type"] == "kafka"]
        if name == "showcase":  # every replica reads every event: lag is no reason for another replica
            assert kafka == [] and [t["type"] for t in obj["spec"]["triggers"]] == ["prometheus"]
            continue
        [kafka] = kafka
        assert kafka["metadata"]["consumerGroup"] == f"tijara.{name}"
        assert kafka["metadata"]["lagThreshold"] == str(batch), "one batch waiting per replica"
        assert kafka["authenticationRef"]["name"] == auth["metadata"]["name"]


def test_prometheus_operator_component_scrapes_every_service_and_loads_the_alerts() -> None:
    [monitor] = resources("production-operators", "ServiceMonitor").values()
    selected = {name for name, s in resources("production-operators", "Service").items()
                if monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()}
    assert selected == DEPLOYED
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["relabelings"] == [{"targetLabel": "part_of", "replacement": "tijara"}]
    [rule] = resources("production-operators", "PrometheusRule").values()
    assert rule == yaml.safe_load(prometheus_rule()), "regenerate: python -m deploy.local.tools prometheus-rule"

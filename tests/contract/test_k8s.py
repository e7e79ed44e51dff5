"""Every Kubernetes overlay, built with kustomize and validated by kubeconform (strict) against the Kubernetes
schemas provisioned offline by `make setup` (deploy/local/tools.py), then checked for what production needs."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

from deploy.local.tools import BIN, SCHEMA_DIR, kubeconform_command, prometheus_rule
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))
DEPLOYED = {"showcase", "onboarding", "catalogue", "inquiries", "partners", "notifications"}
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
    unknown = {k for k in config["data"] if k.lower() not in ServiceSettings.model_fields and not k.startswith("OTEL_")}
    assert unknown == set()


def test_documented_secret_example_covers_every_reference() -> None:
    text = (K8S / "overlays/production/secrets.example.yaml").read_text()
    example = {d["metadata"]["name"]: d["stringData"] for d in yaml.safe_load_all(text) if d}
    for deployment in resources("production", "Deployment").values():
        spec = deployment["spec"]["template"]["spec"]
        refs = [e["valueFrom"]["secretKeyRef"] for e in _env(deployment).values() if "valueFrom" in e]
        refs += [{"name": v["secret"]["secretName"], "key": v["secret"]["items"][0]["key"]}
                 for v in spec["volumes"] if "secret" in v]
        for ref in refs:
            assert ref["name"] in text, f"secret {ref['name']} is not documented"
            assert ref["name"] not in example or ref["key"] in example[ref["name"]], ref
    assert "CHANGE-ME" in example["tijara-kafka"]["password"], "placeholders only"
    assert example["catalogue-kafka"]["username"] == "catalogue", "each service its own Kafka principal"


def test_production_scales_spreads_and_survives_drains() -> None:
    deployments = resources("production", "Deployment")
    hpas, pdbs = resources("production", "HorizontalPodAutoscaler"), resources("production", "PodDisruptionBudget")
    for name, deployment in deployments.items():
        assert "replicas" not in deployment["spec"], "the HPA owns replicas; apply must not reset them"
        hpa = hpas[name]["spec"]
        assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["minReplicas"] >= 2 and hpa["metrics"][0]["resource"]["name"] == "cpu"
        assert pdbs[name]["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
        pod = deployment["spec"]["template"]["spec"]
        keys = {c["topologyKey"] for c in pod["topologySpreadConstraints"]}
        assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
        [container] = pod["containers"]
        assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_production_network_is_default_deny_with_named_openings() -> None:
    policies = resources("production", "NetworkPolicy")
    assert policies["default-deny"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    [rule] = policies["tijara-http-in"]["spec"]["ingress"]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    egress_ports = {p["port"] for r in policies["tijara-egress"]["spec"]["egress"] for p in r["ports"]}
    assert {53, 9092, 27017, 443, 4318} <= egress_ports


def test_keda_component_replaces_the_cpu_autoscalers_with_lag_scaling() -> None:
    assert resources("production-operators", "HorizontalPodAutoscaler") == {}
    scaled = resources("production-operators", "ScaledObject")
    assert set(scaled) == set(resources("production-operators", "Deployment"))
    [auth] = resources("production-operators", "TriggerAuthentication").values()
    for name, obj in scaled.items():
        assert obj["spec"]["scaleTargetRef"]["name"] == name and obj["spec"]["minReplicaCount"] >= 2
        [kafka] = [t for t in obj["spec"]["triggers"] if t["type"] == "kafka"]
        assert kafka["metadata"]["consumerGroup"] == f"tijara.{name}"
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

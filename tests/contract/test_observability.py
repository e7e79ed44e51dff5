"""The docker-compose observability stack and the operator's alerts and dashboard, checked without Docker:
promtool validates the Prometheus configuration, unit-tests every alert and parses every dashboard query; the
metric names are the ones the services export; the collector, Jaeger, Prometheus and Grafana are wired together."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

import shared
from deploy.local.tools import BIN

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "tijara-overview.json"
# What the services export (shared/telemetry/); the alerts and the dashboard may use nothing else.
METRICS = {
    "tijara_consumer_lag", "tijara_partition_stalled", "tijara_dead_letters_depth", "tijara_http_requests_total",
    "tijara_http_request_seconds", "tijara_outbox_depth", "tijara_outbox_oldest_age_seconds",
    "tijara_events_consumed_total", "tijara_events_published_total", "tijara_dead_letters_total",
    "tijara_outbox_relay_failures_total",
    # services/notifications/delivery.py
    "tijara_notifications_queued", "tijara_notifications_oldest_queued_age_seconds", "tijara_notifications_sent_total",
    "tijara_notifications_failed_total", "tijara_notifications_retried_total",
    "tijara_dependency_up",
}
ALERTS = {"TijaraConsumerLagGrowing", "TijaraDeadLettersGrowing", "TijaraOutboxStuck", "TijaraPartitionStalled",
          "TijaraServiceDown", "TijaraHttpErrorRatioHigh", "TijaraOutboxRelayFailing", "TijaraNotificationsNotDraining",
          "TijaraDependencyDown"}
PROMQL_WORDS = {"sum", "max", "min", "avg", "by", "without", "rate", "delta", "deriv", "increase", "and", "or",
                "unless", "min_over_time", "histogram_quantile", "vector", "bool", "on", "ignoring", "count"}


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess:
    path = BIN / "promtool"
    assert path.exists(), f"{path} is missing: run `make setup` (deploy/local/tools.py provisions it)"
    return subprocess.run([str(path), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _metric_names(expr: str) -> set[str]:
    expr = re.sub(r'"[^"]*"', '""', expr)               # label values
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", expr)    # matchers, ranges
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)) - PROMQL_WORDS
    return {re.sub(r"_(bucket|sum|count)$", "", n) if n.startswith("tijara_http_request_seconds") else n
            for n in names if not re.fullmatch(r"\d+[smhd]?|e\d*", n)}


def _dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [t["expr"] for p in panels for t in p.get("targets", [])]


def test_prometheus_config_and_rules_are_valid() -> None:
    done = promtool("check", "config", "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 9 rules found" in done.stdout + done.stderr


def test_every_alert_fires_on_its_symptom_and_not_on_a_healthy_lookalike() -> None:
    done = promtool("test", "rules", "alerts.test.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    tests = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]
    fired = {a["alertname"] for t in tests for a in t["alert_rule_test"] if a["exp_alerts"]}
    assert fired == ALERTS


def test_alerts_and_dashboard_use_only_exported_metrics() -> None:
    rules = [r for g in yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"] for r in g["rules"]]
    assert {r["alert"] for r in rules} == ALERTS
    used = set().union(*(_metric_names(r["expr"]) for r in rules), *map(_metric_names, _dashboard_exprs()))
    assert used <= METRICS | {"up"}, used - METRICS
    assert METRICS <= set().union(*map(_metric_names, _dashboard_exprs())), "a panel for every metric"


def test_the_metric_names_are_the_ones_the_code_registers() -> None:
    """METRICS above is what the alerts may use; here it is checked against prometheus-client's registry after
    importing every module of the shared kernel, so a renamed metric fails here, not silently in production."""
    for module in pkgutil.walk_packages(shared.__path__, "shared."):
        importlib.import_module(module.name)
    importlib.import_module("services.notifications.delivery")  # the one service with metrics of its own
    registered = {m.name + ("_total" if m.type == "counter" else "") for m in REGISTRY.collect()}
    assert METRICS <= registered, METRICS - registered


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    """Grafana's variables replaced by what they expand to, each query becomes a recording rule for promtool."""
    exprs = [e.replace("$__rate_interval", "1m").replace("$job", ".*") for e in _dashboard_exprs()]
    rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"panel:{i}", "expr": e}
                                                         for i, e in enumerate(exprs)]}]}
    (tmp_path / "dashboard-rules.yml").write_text(yaml.safe_dump(rules))
    done = promtool("check", "rules", "dashboard-rules.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_grafana_provisions_the_datasources_the_dashboard_uses() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning/datasources/datasources.yml").read_text())["datasources"]
    uids = {d["uid"]: d for d in datasources}
    dashboard = json.loads(DASHBOARD.read_text())
    used = {p["datasource"]["uid"] for p in dashboard["panels"] if "datasource" in p}
    assert used <= set(uids) and uids["prometheus"]["url"] == "http://prometheus:9090"
    assert uids["jaeger"]["url"] == "http://jaeger:16686"
    [provider] = yaml.safe_load((GRAFANA / "provisioning/dashboards/dashboards.yml").read_text())["providers"]
    grafana = _compose()["grafana"]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in grafana["volumes"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_prometheus_scrapes_every_service_on_its_port() -> None:
    services = _compose()
    jobs = {j["job_name"]: j for j in yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())["scrape_configs"]}
    built = {name for name, s in services.items() if "build" in s}
    for name in built:
        [targets] = jobs[name]["static_configs"]
        assert targets["targets"] == [f"{name}:{services[name]['environment']['HTTP_PORT']}"]
        assert targets["labels"] == {"part_of": "tijara"}
    assert "./deploy/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]


@pytest.mark.parametrize("signal", ["traces"])
def test_services_export_otlp_to_the_collector_which_feeds_jaeger(signal: str) -> None:
    services = _compose()
    collector = yaml.safe_load((ROOT / "deploy/otel-collector/config.yaml").read_text())
    pipeline = collector["service"]["pipelines"][signal]
    for kind in ("receivers", "processors", "exporters"):
        assert set(pipeline[kind]) <= set(collector[kind]), kind
    [exporter] = pipeline["exporters"]
    assert collector["exporters"][exporter]["endpoint"] == "jaeger:4317"
    assert services["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    http_port = collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"].rsplit(":", 1)[1]
    for name in (n for n, s in services.items() if "build" in s):
        env = services[name]["environment"]
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://otel-collector:{http_port}"
        assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf" and env["OTEL_SERVICE_NAME"] == name

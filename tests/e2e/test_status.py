"""`tijara status --json` against the running marketplace, as an operator's script would call it."""

import json
import os
import subprocess
import sys

from tests.e2e.test_marketplace_flow import wait_for


def _status(marketplace, infrastructure) -> tuple[int, dict]:
    urls = [arg for name in marketplace.ports for arg in ("--service", f"{name}={marketplace.url(name)}")]
    env = os.environ | {"KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka,
                        "KAFKA_TOPIC_PREFIX": marketplace.extra_env["KAFKA_TOPIC_PREFIX"]}
    done = subprocess.run([sys.executable, "-m", "cli", "status", "--json", *urls], env=env, capture_output=True,
                          text=True, timeout=60)
    return done.returncode, json.loads(done.stdout)


def test_status_reports_health_readiness_lag_outbox_and_dead_letters(marketplace, infrastructure):
    prefix = marketplace.extra_env["KAFKA_TOPIC_PREFIX"]

    def measured():
        code, report = _status(marketplace, infrastructure)
        showcase = report["services"]["showcase"]
        assert {row["topic"] for row in showcase["lag"]} >= {f"{prefix}catalogue.products",
                                                             f"{prefix}onboarding.suppliers"}, showcase
        return code, report

    code, report = wait_for(measured, timeout=60)
    assert code == 0 and report["ok"] and report["kafka_error"] is None
    for name, service in report["services"].items():
        assert service["healthy"] and service["ready"] and service["error"] is None, name
        assert service["checks"] == {"mongodb": True, "kafka": True, "partitions": True}
        assert service["outbox"]["depth"] >= 0 and service["outbox"]["oldest_age_seconds"] >= 0
        assert all(row["lag"] >= 0 and row["stalled"] is False for row in service["lag"])
    assert f"{prefix}inquiries.inquiries.dlq" in report["dead_letters"]
    assert all(topic.startswith(prefix) for topic in report["dead_letters"])


def test_status_exits_1_and_names_a_service_that_does_not_answer(marketplace, infrastructure):
    done = subprocess.run([sys.executable, "-m", "cli", "status", "--json", "--service", "ghost=http://127.0.0.1:9"],
                          env=os.environ | {"KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka,  # this run's topics
                                            "KAFKA_TOPIC_PREFIX": marketplace.extra_env["KAFKA_TOPIC_PREFIX"]},
                          capture_output=True, text=True, timeout=60)  # (not every dead-letter topic of the broker)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and not report["ok"]
    assert report["services"]["ghost"]["error"].startswith("ConnectError")


def test_status_exits_1_and_says_what_it_could_not_check_when_kafka_is_unreachable(marketplace):
    urls = [arg for name in marketplace.ports for arg in ("--service", f"{name}={marketplace.url(name)}")]
    done = subprocess.run([sys.executable, "-m", "cli", "status", "--json", *urls],
                          env=os.environ | {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"}, capture_output=True, text=True,
                          timeout=120)
    report = json.loads(done.stdout)
    assert all(s["healthy"] and s["ready"] for s in report["services"].values())  # the services are fine ...
    assert done.returncode == 1 and not report["ok"]  # ... but the dead letters went uncounted
    assert "Kafka unreachable" in report["not_checked"]["dead_letters"]

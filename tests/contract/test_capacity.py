"""The capacity plan (`python -m bench.capacity`), docs/capacity.md and the production overlay agree: the document
holds the plan's output as the command prints it from the recorded runs, and the overlay's autoscalers, partitions
and memory are the plan's launch column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.capacity import Plan, report
from tests.contract.test_k8s import resources

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "capacity.md"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return Plan()


def _mib(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


def test_the_document_holds_the_plan_as_printed(plan: Plan) -> None:
    text = DOC.read_text()
    block = re.search(r"<!-- bench.capacity -->\n```text\n(.*?)```\n<!-- /bench.capacity -->", text, re.S)
    assert block, "docs/capacity.md lost its generated block"
    assert block.group(1).rstrip("\n") == report(plan), "regenerate: python -m bench.capacity doc"


DERIVED = ("to catch up", "consumers' maxReplicas", "KEDA lag threshold", "showcase maxReplicas", "brokers")


def test_every_number_is_traced_to_a_measured_row_or_derived_from_lines_that_are(plan: Plan) -> None:
    for scale in ("launch", "launch x 10", "launch x 100"):
        for line in plan.scale(scale):
            measured = any(source in line.why for source in ("docs/bench/", "docs/local-store.md", "README.md", "capacity-inputs"))
            assert measured or line.what.startswith(DERIVED), line


def test_production_autoscaling_is_the_plans_launch_column(plan: Plan) -> None:
    want = plan.autoscaling()
    [config] = resources("production", "ConfigMap").values()
    assert int(config["data"]["TOPIC_PARTITIONS"]) == want["partitions"]["count"]
    for name, hpa in resources("production", "HorizontalPodAutoscaler").items():
        spec = hpa["spec"]
        assert (spec["minReplicas"], spec["maxReplicas"]) == (want[name]["min"], want[name]["max"]), name
        if name == "showcase":
            assert spec["metrics"][0]["pods"]["target"]["averageValue"] == str(want[name]["rps"])


def test_keda_settings_are_the_plans_launch_column(plan: Plan) -> None:
    want = plan.autoscaling()
    for name, scaled in resources("production-operators", "ScaledObject").items():
        spec = scaled["spec"]
        assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (want[name]["min"], want[name]["max"]), name
        [trigger] = [t for t in spec["triggers"] if t["type"] in ("kafka", "prometheus")]
        threshold = trigger["metadata"]["lagThreshold" if name != "showcase" else "threshold"]
        assert threshold == str(want[name]["lag" if name != "showcase" else "rps"]), name


def test_memory_requests_and_limits_cover_what_was_measured(plan: Plan) -> None:
    """The showcase: its launch-sized model (the plan's launch memory) requested, and half as much again as the
    limit; the others: four times their memory after start, for a batch's objects."""
    model = plan.showcase_memory(1).value
    for name, deployment in resources("production", "Deployment").items():
        resources_ = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
        request, limit = _mib(resources_["requests"]["memory"]), _mib(resources_["limits"]["memory"])
        if name == "showcase":
            assert request >= model and limit >= 1.5 * model, (request, limit, model)
        else:
            measured = plan.inputs.rss_mib(name).value if name != "notifications" else plan.inputs.rss_mib("inquiries").value
            assert limit >= 4 * measured, (name, limit, measured)

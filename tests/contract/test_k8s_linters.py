"""Every rendered overlay read by two independent linters, kube-score (Go module) and checkov (PyPI), both
provisioned by `make setup` (deploy/local/tools.py): no finding outside deploy/k8s/lint-exceptions.yaml, and no
exception there without a finding it still excuses."""

from __future__ import annotations

import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

from deploy.local.tools import BIN, CHECKOV_VENV
from tests.contract.test_k8s import K8S, OVERLAYS, build

EXCEPTIONS = yaml.safe_load((K8S / "lint-exceptions.yaml").read_text())
OK = 10  # kube-score's grade for a passed check (WARNING 5, CRITICAL 1)


def _tool(path: Path) -> str:
    assert path.exists(), f"{path} is missing: run `make setup` (deploy/local/tools.py provisions it)"
    return str(path)


@cache
def kube_score(overlay: str) -> set[tuple[str, str]]:
    """(check id, object) of every check kube-score grades below OK."""
    done = subprocess.run([_tool(BIN / "kube-score"), "score", "--output-format", "json", "-"], input=build(overlay),
                          capture_output=True, text=True, timeout=120)
    assert done.stdout, done.stderr
    return {(c["check"]["id"], o["object_name"]) for o in json.loads(done.stdout) for c in o["checks"]
            if not c["skipped"] and c["grade"] < OK}


@cache
def checkov(folder: Path) -> dict[str, set[tuple[str, str]]]:
    """Per overlay, (check id, resource) of every failed checkov check; one run over all overlays (it is slow to
    start), offline (no download of guidelines or external checks)."""
    for overlay in OVERLAYS:
        (folder / f"{overlay}.yaml").write_text(build(overlay))
    done = subprocess.run([_tool(CHECKOV_VENV / "bin" / "checkov"), "--directory", str(folder), "--framework",
                           "kubernetes", "--output", "json", "--quiet", "--skip-download", "--compact"],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    reports = json.loads(done.stdout) if done.stdout.strip() else []
    reports = reports if isinstance(reports, list) else [reports]
    assert reports and done.returncode in (0, 1), done.stderr[-2000:]
    found: dict[str, set[tuple[str, str]]] = {overlay: set() for overlay in OVERLAYS}
    for report in reports:
        for failed in report["results"]["failed_checks"]:
            found[Path(failed["file_path"]).stem].add((failed["check_id"], failed["resource"]))
    return found


@pytest.fixture(scope="module")
def checkov_findings(tmp_path_factory) -> dict[str, set[tuple[str, str]]]:
    return checkov(tmp_path_factory.mktemp("overlays"))


def _excused(linter: str, overlay: str) -> set[str]:
    return {e["check"] for e in EXCEPTIONS[linter] if overlay in e["overlays"]}


def test_every_exception_gives_its_reason() -> None:
    for linter, entries in EXCEPTIONS.items():
        assert linter in {"kube-score", "checkov"}
        for entry in entries:
            assert len(entry["reason"]) > 40 and set(entry["overlays"]) <= set(OVERLAYS), entry


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kube_score_finds_nothing_outside_the_exceptions(overlay: str) -> None:
    findings = kube_score(overlay)
    assert {f for f in findings if f[0] not in _excused("kube-score", overlay)} == set()
    assert _excused("kube-score", overlay) <= {check for check, _ in findings}, "an exception excuses nothing"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_checkov_finds_nothing_outside_the_exceptions(overlay: str, checkov_findings) -> None:
    findings = checkov_findings[overlay]
    assert {f for f in findings if f[0] not in _excused("checkov", overlay)} == set()
    assert _excused("checkov", overlay) <= {check for check, _ in findings}, "an exception excuses nothing"


def test_the_linters_do_report_what_they_check() -> None:
    """kube-score reads what it is given: a container without its pull policy is found."""
    broken = re.sub(r"\n\s*imagePullPolicy: Always", "", build("production"), count=1)
    done = subprocess.run([_tool(BIN / "kube-score"), "score", "--output-format", "ci", "-"], input=broken,
                          capture_output=True, text=True, timeout=120)
    assert "ImagePullPolicy is not set to Always" in done.stdout, done.stdout[-2000:]

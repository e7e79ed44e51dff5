"""Deployment checking tools, provisioned from registries into `.stack/` (ignored) by `make setup`, cached after:

- kustomize and kubeconform (Go module proxy, `go install`), to build every Kubernetes overlay and validate it;
- promtool (Go module proxy; without the service-discovery plugins, which the rule and config checks do not need),
  to check the Prometheus configuration and unit-test the alert rules;
- vegeta (Go module proxy), the open-loop load generator of `python -m bench.page`'s fixed-rate table;
- prometheus (Go module proxy, like promtool; its HTTP API only, no web UI assets), the server the e2e test of the
  alerts scrapes a running marketplace with (deploy/local/prometheus.py);
- jaeger v2 (Go module proxy) with in-memory storage, the trace backend of the e2e tracing test
  (deploy/local/jaeger.py). Its go.mod has a `replace`, which `go install module@version` refuses: the module is
  downloaded (`go mod download`) and built as the main module in a scratch copy, once;
- Mailpit (Go module proxy), the local SMTP server that keeps what it receives: a web inbox for whoever runs the
  demo, an HTTP API for the tests (deploy/local/mailpit.py starts it);
- kube-score (Go module proxy) and checkov (PyPI, in its own virtualenv `.stack/checkov`: its pins would downgrade
  `packaging` in the project's and add some 70 packages), the linters every rendered overlay passes in the contract
  tests, with the exceptions of `deploy/k8s/lint-exceptions.yaml`;
- Kubernetes JSON schemas for kubeconform, offline: the `kubernetes-validate` wheel on PyPI ships them per
  Kubernetes release. Its "local" flavour refers to a shared `_definitions.json` through an absolute `$id`
  (https://kubernetes.io/api/...), which kubeconform would try to download; the copy made here drops the `$id` and
  makes those references relative to the file, so validation never touches the network.

`python -m deploy.local.tools provision` installs what is missing; `python -m deploy.local.tools paths` prints where.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import typer
import yaml  # PyYAML: a dev dependency, as is everything this module provisions for

from deploy.local.stack import HOME, ROOT

BIN = HOME / "bin"
GO_TOOLS = {  # binary: (module@version, build tags)
    "kustomize": ("sigs.k8s.io/kustomize/kustomize/v5@v5.8.0", ""),
    "kubeconform": ("github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0", ""),
    "promtool": ("github.com/prometheus/prometheus/cmd/promtool@v0.316.0", "remove_all_sd"),
    "vegeta": ("github.com/tsenart/vegeta/v12@v12.13.0", ""),  # bench/page.py's open-loop (fixed-rate) load
    "prometheus": ("github.com/prometheus/prometheus/cmd/prometheus@v0.316.0", "remove_all_sd"),
    # the local SMTP server with a web inbox and an HTTP API (deploy/local/mailpit.py); its web UI's assets are
    # committed in the module, so `go install` builds the whole thing
    "mailpit": ("github.com/axllent/mailpit@v1.33.1", ""),
    "kube-score": ("github.com/zegl/kube-score/cmd/kube-score@v1.20.0", ""),  # lints the rendered overlays
}
MODULE_BUILDS = {  # binary: (module@version, package): built as the main module (their go.mod has replace directives)
    "jaeger": ("github.com/jaegertracing/jaeger@v1.76.0", "./cmd/jaeger"),  # v2: an OpenTelemetry Collector
}
CHECKOV = "checkov==3.3.30"
CHECKOV_VENV = HOME / "checkov"
SCHEMA_PACKAGE = "kubernetes-validate==1.37.0"
KUBERNETES_VERSION = "1.34.0"  # the oldest minor the overlays promise to run on; schemas for 1.25-1.37 ship
SCHEMAS = HOME / "k8s-schemas"
SCHEMA_DIR = SCHEMAS / f"v{KUBERNETES_VERSION}-standalone-strict"

def _run(cmd: list[str], what: str, **kw) -> None:
    typer.echo(f"{what} ...", err=True)
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        raise typer.Exit(f"{what} failed: {' '.join(cmd)}\n{done.stdout[-2000:]}{done.stderr[-3000:]}")


cli = typer.Typer(help="Provision kustomize, kubeconform, promtool, prometheus, jaeger and the Kubernetes schemas.",
                  no_args_is_help=True)


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".version")


def _current(path: Path, version: str) -> bool:
    return path.exists() and _stamp(path).exists() and _stamp(path).read_text() == version


def provision_go_tool(name: str) -> Path:
    module, tags = GO_TOOLS[name]
    target = BIN / name
    if not _current(target, module):
        BIN.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "GOBIN": str(BIN)}
        _run(["go", "install", *(["-tags", tags] if tags else []), module], f"Building {name} ({module})", env=env)
        _stamp(target).write_text(module)
    return target


def provision_module_build(name: str) -> Path:
    """`go mod download` the module (Go module proxy), then `go build` its package inside a writable copy."""
    module, package = MODULE_BUILDS[name]
    target = BIN / name
    if _current(target, module):
        return target
    BIN.mkdir(parents=True, exist_ok=True)
    typer.echo(f"Downloading {module} ...", err=True)
    done = subprocess.run(["go", "mod", "download", "-json", module], capture_output=True, text=True)
    if done.returncode != 0:
        raise typer.Exit(f"go mod download {module} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(json.loads(done.stdout)["Dir"], source)
        for path in source.rglob("*"):  # the module cache is read-only; the build writes nothing there, but
            path.chmod(path.stat().st_mode | 0o200)  # go may touch go.sum when it is the main module
        _run(["go", "build", "-trimpath", "-o", str(target), package], f"Building {name} ({module}; minutes)",
             cwd=source)
    _stamp(target).write_text(module)
    return target


def provision_schemas() -> Path:
    if _current(SCHEMA_DIR, SCHEMA_PACKAGE) and (SCHEMA_DIR / "_definitions.json").exists():
        return SCHEMA_DIR
    with tempfile.TemporaryDirectory() as tmp:
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, SCHEMA_PACKAGE],
             f"Fetching Kubernetes schemas ({SCHEMA_PACKAGE}, PyPI)")
        [wheel] = Path(tmp).glob("*.whl")
        prefix = f"kubernetes_validate/kubernetes-json-schema/v{KUBERNETES_VERSION}-local-strict/"
        shutil.rmtree(SCHEMA_DIR, ignore_errors=True)
        SCHEMA_DIR.mkdir(parents=True)
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if n.startswith(prefix) and n.endswith(".json")]
            if not names:
                raise typer.Exit(f"{SCHEMA_PACKAGE} has no schemas for Kubernetes {KUBERNETES_VERSION}")
            for name in names:
                schema = json.loads(archive.read(name))
                schema.pop("$id", None)
                text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
                (SCHEMA_DIR / name.removeprefix(prefix)).write_text(text)
    _stamp(SCHEMA_DIR).write_text(SCHEMA_PACKAGE)
    return SCHEMA_DIR


def provision_checkov() -> Path:
    """checkov in a virtualenv of its own (its dependency pins are not the project's)."""
    target = CHECKOV_VENV / "bin" / "checkov"
    if not _current(target, CHECKOV):
        _run([sys.executable, "-m", "venv", "--clear", str(CHECKOV_VENV)], "Creating checkov's virtualenv")
        _run([str(CHECKOV_VENV / "bin" / "pip"), "install", "--quiet", CHECKOV], f"Installing {CHECKOV} (PyPI)")
        _stamp(target).write_text(CHECKOV)
    return target


def kubeconform_command() -> list[str]:
    """kubeconform, strict, against the offline schemas only (no default remote location)."""
    location = f"{SCHEMAS}/{{{{.NormalizedKubernetesVersion}}}}-standalone{{{{.StrictSuffix}}}}/" \
               "{{.ResourceKind}}{{.KindSuffix}}.json"
    return [str(BIN / "kubeconform"), "-strict", "-summary", "-kubernetes-version", KUBERNETES_VERSION,
            "-schema-location", location]


@cli.command("provision")
def provision_command() -> None:
    for name in GO_TOOLS:
        provision_go_tool(name)
    for name in MODULE_BUILDS:
        provision_module_build(name)
    provision_schemas()
    provision_checkov()


ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"


class _BlockDumper(yaml.SafeDumper):
    """Multi-line expressions as `|` blocks, as written in alerts.yml."""


_BlockDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value,
                                                       style="|" if "\n" in value else None))


def prometheus_rule(alerts: Path = ALERTS) -> str:
    """The alert rules as a Prometheus Operator PrometheusRule (the same groups, wrapped)."""
    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": "tijara-alerts", "labels": {"release": "prometheus"}},
            "spec": {"groups": yaml.safe_load(alerts.read_text())["groups"]}}
    return ("# GENERATED from deploy/prometheus/alerts.yml by `python -m deploy.local.tools prometheus-rule`; edit that\n"
            "# file and regenerate (tests/contract/test_k8s.py checks they are equal).\n"
            + yaml.dump(rule, Dumper=_BlockDumper, sort_keys=False, width=120))


@cli.command("prometheus-rule")
def prometheus_rule_command() -> None:
    typer.echo(prometheus_rule(), nl=False)


@cli.command("paths")
def paths_command() -> None:
    for name in [*GO_TOOLS, *MODULE_BUILDS]:
        typer.echo(f"{name}: {BIN / name}")
    typer.echo(f"schemas: {SCHEMA_DIR}")
    typer.echo(f"checkov: {CHECKOV_VENV / 'bin' / 'checkov'}")


if __name__ == "__main__":
    cli()

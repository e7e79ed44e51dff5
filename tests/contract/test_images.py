"""The one Dockerfile, checked without a Docker engine: the file list of each service's image is assembled the way
the build would (build context minus .dockerignore, then each COPY), and must hold `shared/` and that service only,
with every first-party import it makes resolvable inside the image."""

from __future__ import annotations

import ast
import fnmatch
import os
import re
from pathlib import Path, PurePosixPath

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
FIRST_PARTY = {"shared", "services", "deploy", "cli", "tests", "bench", "examples"}
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/__main__.py"))
DEPLOYED = {"showcase", "onboarding", "catalogue", "inquiries", "partners", "notifications"}


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1] if " " in ln else "") for ln in lines]


def _ignored(rel: str, patterns: list[str]) -> bool:
    """.dockerignore semantics for the patterns this repository uses: `name`, `dir`, `**/x`, globs."""
    parts = rel.split("/")
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        candidates = prefixes if pattern == bare else prefixes + [p for i in range(len(parts)) for p in [parts[i]]]
        if any(fnmatch.fnmatch(c, bare) for c in candidates):
            return True
    return False


def build_context() -> list[str]:
    patterns = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
                if ln.strip() and not ln.startswith("#")]
    kept: list[str] = []
    for folder, dirs, files in os.walk(ROOT):
        rel = Path(folder).relative_to(ROOT).as_posix().removeprefix(".")
        dirs[:] = [d for d in dirs if not _ignored(f"{rel}/{d}".lstrip("/"), patterns)]  # prune .venv, .stack
        kept += [f"{rel}/{f}".lstrip("/") for f in files if not _ignored(f"{rel}/{f}".lstrip("/"), patterns)]
    return sorted(kept)


def image_files(service: str) -> set[str]:
    """Paths inside the final image that come from the build context (base image and pip installs aside)."""
    context, stages, workdir, current = build_context(), [], "/", None
    for op, args in _instructions():
        args = args.replace("${SERVICE}", service)
        if op == "FROM":
            current = {"files": set(), "name": args.split(" AS ")[-1] if " AS " in args else None}
            stages.append(current)
            workdir = "/"
        elif op == "WORKDIR":
            workdir = str(PurePosixPath(workdir, args))
        elif op == "COPY" and args.startswith("--from="):
            source_stage, src, dest = args.split()[0].removeprefix("--from="), *args.split()[1:]
            [origin] = [s for s in stages if s["name"] == source_stage]
            current["files"] |= {f for f in origin["files"] if f.startswith(src.rstrip("/") + "/")}
            assert src.rstrip("/") == dest.rstrip("/"), "copied between stages to the same place"
        elif op == "COPY":
            *sources, dest = args.split()
            for src in sources:
                matched = [f for f in context if f == src or f.startswith(src.rstrip("/") + "/")]
                assert matched, f"COPY {src}: nothing in the build context"
                for f in matched:
                    inside = f if f == src else f[len(src.rstrip("/")) + 1:]
                    target = PurePosixPath(workdir, dest, inside) if dest.endswith("/") else PurePosixPath(workdir, dest)
                    current["files"].add(str(target))
    return stages[-1]["files"]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in FIRST_PARTY}


def _resolves(module: str, app: set[str]) -> bool:
    base = "/".join(module.split("."))
    return f"{base}.py" in app or f"{base}/__init__.py" in app


@pytest.mark.parametrize("service", SERVICES)
def test_image_holds_shared_and_its_own_service_only(service: str) -> None:
    files = image_files(service)
    app = {f.removeprefix("/opt/tijara/app/") for f in files}
    assert all(f.startswith("/opt/tijara/app/") for f in files), sorted(files)
    allowed = ("shared/", f"services/{service}/", "services/__init__.py")
    assert {f for f in app if not f.startswith(allowed)} == set()
    assert f"services/{service}/__main__.py" in app and "shared/__init__.py" in app
    for other in set(SERVICES) - {service}:
        assert not any(f.startswith(f"services/{other}/") for f in app), other


@pytest.mark.parametrize("service", SERVICES)
def test_every_first_party_import_resolves_inside_the_image(service: str) -> None:
    """A module of the image importing another service, `cli` or `deploy` would fail at start; from-imports may name
    a function rather than a module, so a name resolves if it or its parent module is in the image."""
    app = {f.removeprefix("/opt/tijara/app/") for f in image_files(service)}
    missing = {
        (source, module)
        for source in sorted(f for f in app if f.endswith(".py"))
        for module in _imports(ROOT / source)
        if not _resolves(module, app) and not _resolves(module.rpartition(".")[0], app)
    }
    assert missing == set()


def test_dockerfile_pins_base_by_digest_runs_non_root_with_a_healthcheck() -> None:
    steps = _instructions()
    [base] = [a for op, a in steps if op == "ARG" and a.startswith("PYTHON_IMAGE=")]
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11-slim@sha256:[0-9a-f]{64}", base)
    assert [a.split()[0] for op, a in steps if op == "FROM"] == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]
    [user] = [a for op, a in steps if op == "USER"]
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), "numeric, non-root, so runAsNonRoot can be checked"
    [health] = [a for op, a in steps if op == "HEALTHCHECK"]
    assert "/healthz" in health and "HTTP_PORT" in health
    assert not list((ROOT / "services").glob("*/Dockerfile")), "one Dockerfile for every service"


def _declared_port(service: str) -> int:
    tree = ast.parse((ROOT / "services" / service / "main.py").read_text())
    [port] = [n.value.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)
              and getattr(n.target, "id", "") == "http_port"]
    return port


def test_compose_builds_every_service_from_the_one_dockerfile_with_its_port() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    built = {name: s["build"] for name, s in services.items() if "build" in s}
    assert set(built) == DEPLOYED and set(SERVICES) <= DEPLOYED
    for name, build in built.items():
        assert build["dockerfile"] == "deploy/Dockerfile" and build["context"] == "."
        assert build["args"]["SERVICE"] == name
        assert int(build["args"]["HTTP_PORT"]) == int(services[name]["environment"]["HTTP_PORT"])
        if name in SERVICES:
            assert int(build["args"]["HTTP_PORT"]) == _declared_port(name)


def test_build_context_leaves_out_what_no_image_may_hold() -> None:
    context = build_context()
    assert "deploy/Dockerfile" in context and "pyproject.toml" in context
    for kept_out in ("cli/", "deploy/local/", "tests/", ".venv/", ".stack/", ".git/"):
        assert not any(f.startswith(kept_out) for f in context), kept_out

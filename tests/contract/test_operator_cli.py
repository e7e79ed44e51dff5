"""The operator's commands need nothing of the local stack: each of their modules, and the whole `tijara` command
tree built as click builds it for `tijara --help`, load no `deploy.local` module (checked in a fresh interpreter,
so what other tests imported does not count). `tijara local ...` imports it only when one of its commands runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPERATOR_MODULES = ["cli.dlq", "cli.replay", "cli.status", "cli.topics", "cli.partners", "cli.tail", "cli.identity",
                    "cli.common", "cli.main"]
LOADED = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
if sys.argv[1] == "cli.main":
    import typer.main
    from cli.main import app
    typer.main.get_command(app)  # the command tree `tijara --help` and every subcommand build
print(json.dumps(sorted(m for m in sys.modules if m == "deploy" or m.startswith("deploy."))))
"""


@pytest.mark.parametrize("module", OPERATOR_MODULES)
def test_operator_command_loads_no_local_stack_module(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", LOADED, module], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, check=True)
    assert json.loads(done.stdout) == [], f"{module} loaded local-stack modules"


def test_local_group_loads_the_local_stack_when_it_runs() -> None:
    done = subprocess.run([sys.executable, "-m", "cli", "local", "stack", "env", "--profile", "test"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "KAFKA_BOOTSTRAP_SERVERS=" in done.stdout

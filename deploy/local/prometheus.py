"""A local Prometheus (built from its Go module by deploy.local.tools) on the project's own configuration: the scrape
jobs and rule files of deploy/prometheus/prometheus.yml, with each job's targets replaced by where the local
services answer. One source of truth: the jobs, labels, metrics paths and alert rules are those files' own.

    .venv/bin/python -m deploy.local.prometheus        # against `make run`'s marketplace; http://127.0.0.1:9090

`time_scale` compresses every duration of the rules (each `for:` and each range window `[10m]`) by that factor, for
the e2e test that makes the alerts fire and resolve in a couple of minutes; the real durations are unit-tested by
`promtool test rules` (deploy/prometheus/alerts.test.yml). Thresholds are never changed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import typer
import yaml

from deploy.local import processes, tools
from deploy.local.marketplace import RUN_PORTS
from deploy.local.stack import HOME, ROOT

CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(duration: str) -> float:
    """A Prometheus duration ('1h30m', '90s') in seconds."""
    return sum(int(n) * _SECONDS[unit] for n, unit in _DURATION.findall(duration))


def compress(duration: str, factor: float) -> str:
    """'5m' / 10 -> '30s' (milliseconds when it does not divide; Prometheus takes integer units)."""
    scaled = seconds(duration) / factor
    return f"{scaled:g}s" if scaled == int(scaled) else f"{round(scaled * 1000)}ms"


def compressed_rules(text: str, factor: float) -> dict:
    rules = yaml.safe_load(text)
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = compress(rule["for"], factor)
            rule["expr"] = re.sub(r"\[([0-9a-z]+)\]", lambda m: f"[{compress(m.group(1), factor)}]", rule["expr"])
    return rules


def render(targets: dict[str, list[str]], into: Path, interval: str = "15s", time_scale: float = 1.0,
           port: int = 9090) -> Path:
    """prometheus.yml for local targets ({job: ["127.0.0.1:port", ...]}); jobs not given are left out (the
    `prometheus` job scrapes this server). Its rule files are written beside it, compressed by `time_scale`."""
    config = yaml.safe_load(CONFIG.read_text())
    config["global"] = {**config.get("global", {}), "scrape_interval": interval, "evaluation_interval": interval}
    into.mkdir(parents=True, exist_ok=True)
    for rule_file in config.get("rule_files", []):
        rules = compressed_rules((CONFIG.parent / rule_file).read_text(), time_scale)
        (into / rule_file).write_text(yaml.safe_dump(rules, sort_keys=False, width=120))
    jobs = []
    for job in config["scrape_configs"]:
        name = job["job_name"]
        local = [f"127.0.0.1:{port}"] if name == "prometheus" else targets.get(name)
        if local:
            labels = next((s.get("labels") for s in job.get("static_configs", []) if s.get("labels")), None)
            jobs.append({**job, "static_configs": [{"targets": local, **({"labels": labels} if labels else {})}]})
    unknown = set(targets) - {j["job_name"] for j in config["scrape_configs"]}
    if unknown:
        raise ValueError(f"no scrape job for {sorted(unknown)} in {CONFIG}")
    config["scrape_configs"] = jobs
    path = into / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, width=120))
    return path


@dataclass
class Prometheus:
    """One Prometheus server process on loopback, its data in `home` (thrown away by `stop`)."""

    home: Path
    port: int = 9090
    process: subprocess.Popen | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.home / "prometheus.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, config: Path, timeout: float = 60) -> None:
        binary = tools.provision_go_tool("prometheus")
        shutil.rmtree(self.home / "data", ignore_errors=True)
        self.process = subprocess.Popen(
            [str(binary), f"--config.file={config}", f"--storage.tsdb.path={self.home / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        processes.wait_answering(self.process, f"{self.url}/-/ready", "prometheus", self.log, timeout)

    def stop(self) -> None:
        processes.stop(self.process)
        shutil.rmtree(self.home / "data", ignore_errors=True)

    def _api(self, path: str, **params) -> object:
        answer = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=10).json()
        if answer["status"] != "success":
            raise RuntimeError(f"{path} {params}: {answer}")
        return answer["data"]

    def query(self, expr: str) -> list[dict]:
        """Instant vector: [{"metric": {...labels}, "value": float}]."""
        return [{"metric": r["metric"], "value": float(r["value"][1])} for r in self._api("query", query=expr)["result"]]

    def alerts(self) -> list[dict]:
        """Pending and firing alerts: [{"labels": {...}, "state": "pending" | "firing", ...}]."""
        return self._api("alerts")["alerts"]

    def targets(self) -> list[dict]:
        return self._api("targets")["activeTargets"]


cli = typer.Typer(help=__doc__, no_args_is_help=False, invoke_without_command=True)


@cli.callback()
def run(port: int = typer.Option(9090), interval: str = typer.Option("15s"),
        time_scale: float = typer.Option(1.0, help="divide the rules' durations by this (a demo of the alerts)")):
    """Prometheus on the `make run` marketplace (RUN_PORTS), until Ctrl-C."""
    server = Prometheus(HOME / "prometheus", port)
    config = render({job: [f"127.0.0.1:{p}"] for job, p in RUN_PORTS.items()}, server.home, interval, time_scale, port)
    server.start(config)
    typer.echo(f"Prometheus on {server.url} (HTTP API: {server.url}/api/v1/alerts); config {config}")
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    cli()

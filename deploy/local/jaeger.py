"""A local trace backend: Jaeger v2 (built from its Go module by deploy.local.tools), in-memory storage, on loopback.
The services export to it with the standard variables, e.g. `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318`.

    .venv/bin/python -m deploy.local.jaeger        # OTLP/HTTP on 127.0.0.1:4318, query API on 127.0.0.1:16686

Only what a local run needs: the OTLP/HTTP receiver, a batch processor, the in-memory store and the query service
(its HTTP API: `/api/traces/{trace_id}`, `/api/services`; the web UI's assets are not built). Traces are lost when
it stops.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import typer
import yaml

from deploy.local import processes, tools
from deploy.local.stack import HOME


def config(otlp_port: int, query_port: int, max_traces: int = 100_000) -> dict:
    return {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query"],
            "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["batch"],
                                     "exporters": ["jaeger_storage_exporter"]}},
            "telemetry": {"metrics": {"level": "none"}, "logs": {"level": "warn"}},
        },
        "extensions": {
            "jaeger_storage": {"backends": {"memstore": {"memory": {"max_traces": max_traces}}}},
            "jaeger_query": {"storage": {"traces": "memstore"}, "enable_tracing": False,  # no traces of itself
                             "http": {"endpoint": f"127.0.0.1:{query_port}"},
                             "grpc": {"endpoint": "127.0.0.1:0"}},
        },
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{otlp_port}"}}}},
        "processors": {"batch": {"timeout": "200ms"}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": "memstore"}},
    }


@dataclass
class Jaeger:
    home: Path
    otlp_port: int = 4318
    query_port: int = 16686
    process: subprocess.Popen | None = None

    @property
    def otlp_endpoint(self) -> str:
        """For OTEL_EXPORTER_OTLP_ENDPOINT (the SDK appends /v1/traces)."""
        return f"http://127.0.0.1:{self.otlp_port}"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.query_port}"

    def start(self, timeout: float = 60) -> None:
        binary = tools.provision_module_build("jaeger")
        self.home.mkdir(parents=True, exist_ok=True)
        path = self.home / "jaeger.yaml"
        path.write_text(yaml.safe_dump(config(self.otlp_port, self.query_port), sort_keys=False))
        log = self.home / "jaeger.log"
        self.process = subprocess.Popen([str(binary), f"--config=file:{path}"],
                                        stdout=open(log, "ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        processes.wait_answering(self.process, f"{self.query_url}/api/services", "jaeger", log, timeout)

    def stop(self) -> None:
        processes.stop(self.process)

    def trace(self, trace_id: str) -> list[dict]:
        """The trace's spans as [{span_id, parent_id, name, service, kind}]; [] while Jaeger has none of it."""
        answer = httpx.get(f"{self.query_url}/api/traces/{trace_id}", timeout=10)
        if answer.status_code == 404:
            return []
        answer.raise_for_status()
        spans = []
        for found in answer.json()["data"]:
            processes = found["processes"]
            for span in found["spans"]:
                parent = next((r["spanID"] for r in span.get("references", []) if r["refType"] == "CHILD_OF"), None)
                tags = {t["key"]: t["value"] for t in span.get("tags", [])}
                spans.append({"span_id": span["spanID"], "parent_id": parent, "name": span["operationName"],
                              "service": processes[span["processID"]]["serviceName"],
                              "kind": tags.get("span.kind"), "tags": tags})
        return spans


cli = typer.Typer(help=__doc__, invoke_without_command=True)


@cli.callback()
def run(otlp_port: int = typer.Option(4318), query_port: int = typer.Option(16686)) -> None:
    """Jaeger until Ctrl-C; then run the services with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:<otlp-port>."""
    jaeger = Jaeger(HOME / "jaeger", otlp_port, query_port)
    jaeger.start()
    typer.echo(f"Jaeger: export to {jaeger.otlp_endpoint}; query {jaeger.query_url}/api/traces/<trace id>")
    try:
        jaeger.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        jaeger.stop()


if __name__ == "__main__":
    cli()

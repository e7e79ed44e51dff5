"""`tijara status`: is the marketplace well? Each service's health and readiness, consumer lag per group and
partition, outbox depth and age (from each service's /healthz, /readyz and /metrics: the CLI reads no service's
database), and dead letters per topic (end minus start offsets, asked of Kafka). `--json` for scripts; the exit
code is 1 when a service is unreachable, unhealthy or not ready, or when a check could not be made (Kafka
unreachable: the dead letters were not counted) — `not_checked` names each check it could not make and why."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
import typer
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families
from rich.table import Table

from cli.common import console, local_service_urls, run, settings
from shared.messaging.progress import topic_depths


def status(
    service: list[str] = typer.Option(
        [], "--service", "-s", help="name=url of a service to ask, e.g. showcase=http://10.0.0.5:8000 (repeatable); "
                                    "default: the local `make run` ports"),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout, for scripts."),
) -> None:
    """Health, readiness, consumer lag, outbox and dead letters of the running marketplace."""
    urls = dict(s.split("=", 1) for s in service) or local_service_urls()
    report = run(gather(urls))
    if as_json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        _print(report)
    raise typer.Exit(0 if report["ok"] else 1)


async def gather(urls: dict[str, str]) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        services = await asyncio.gather(*(_service(http, url) for url in urls.values()))
    report: dict[str, Any] = {"services": dict(zip(urls, services, strict=True))}
    report["dead_letters"], report["kafka_error"] = await _dead_letters()
    report["not_checked"] = ({"dead_letters": f"Kafka unreachable ({report['kafka_error']})"}
                             if report["kafka_error"] else {})
    report["ok"] = all(s["healthy"] and s["ready"] for s in services) and not report["not_checked"]
    return report


async def _service(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    found: dict[str, Any] = {"url": url, "healthy": False, "ready": False, "error": None}
    try:
        found["healthy"] = (await http.get(f"{url}/healthz")).status_code == 200
        ready = await http.get(f"{url}/readyz")
        found["ready"] = ready.status_code == 200
        found["checks"] = ready.json().get("checks", {})
        found["stalled_partitions"] = ready.json().get("stalled_partitions", [])
        found |= _from_metrics((await http.get(f"{url}/metrics/")).text)
    except (httpx.HTTPError, ValueError) as error:
        found["error"] = f"{type(error).__name__}: {error}"
    return found


def _from_metrics(text: str) -> dict[str, Any]:
    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]
    value = {s.name: s.value for s in samples if not s.labels}
    stalled = {_partition(s.labels): s.value == 1 for s in samples if s.name == "tijara_partition_stalled"}
    lag = [{**dict(zip(("group", "topic", "partition"), key, strict=True)), "lag": int(s.value),
            "stalled": stalled.get(key, False)}
           for s in samples if s.name == "tijara_consumer_lag" for key in [_partition(s.labels)]]
    return {"outbox": {"depth": int(value.get("tijara_outbox_depth", 0)),
                       "oldest_age_seconds": round(value.get("tijara_outbox_oldest_age_seconds", 0.0), 1)},
            "lag": sorted(lag, key=lambda r: (r["group"], r["topic"], int(r["partition"])))}


def _partition(labels: dict[str, str]) -> tuple[str, str, str]:
    return labels["group"], labels["topic"], labels["partition"]


async def _dead_letters() -> tuple[dict[str, int], str | None]:
    config = settings()
    options = config.kafka_client_options()
    admin = AIOKafkaAdminClient(bootstrap_servers=config.kafka_bootstrap_servers, **options)
    probe = AIOKafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=None, **options)
    try:
        await admin.start()
        await probe.start()
        topics = [t for t in await admin.list_topics()
                  if t.startswith(config.kafka_topic_prefix) and t.endswith(".dlq")]
        return await topic_depths(admin, probe, sorted(topics)), None
    except Exception as error:  # Kafka unreachable: the services' part of the report still stands
        return {}, f"{type(error).__name__}: {error}"
    finally:
        with contextlib.suppress(Exception):
            await probe.stop()
            await admin.close()


def _print(report: dict[str, Any]) -> None:
    services = Table(title="Services")
    for column in ("service", "healthy", "ready", "outbox depth", "oldest (s)", "stalled partitions"):
        services.add_column(column)
    lag = Table(title="Consumer lag")
    for column in ("group", "topic", "partition", "lag", "stalled"):
        lag.add_column(column)
    for name, s in report["services"].items():
        outbox = s.get("outbox", {})
        services.add_row(name, _mark(s["healthy"]), _mark(s["ready"]), str(outbox.get("depth", "?")),
                         str(outbox.get("oldest_age_seconds", "?")),
                         s["error"] or ", ".join(s.get("stalled_partitions", [])) or "-")
        for row in s.get("lag", []):
            lag.add_row(row["group"], row["topic"], row["partition"], str(row["lag"]),
                        "[red]stalled[/]" if row["stalled"] else "-")
    dead = Table(title="Dead letters")
    dead.add_column("topic")
    dead.add_column("records")
    for topic, depth in report["dead_letters"].items():
        dead.add_row(topic, f"[red]{depth}[/]" if depth else "0")
    for table in (services, lag, dead):
        console.print(table)
    for check, why in report["not_checked"].items():
        console.print(f"[red]not checked: {check}[/] — {why}")


def _mark(good: bool) -> str:
    return "[green]yes[/]" if good else "[red]no[/]"

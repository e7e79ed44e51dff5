"""`tijara tail <topic>`: watch a topic's events live, pretty-printed (CloudEvents headers, key, JSON value).

Its own ephemeral consumer: no consumer group, nothing committed, so it never disturbs a service's group.
Ctrl-C stops it. Kafka address and SASL settings come from the same environment variables as the services.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime

import typer
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from rich.console import Console, Group
from rich.json import JSON
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from shared.settings import ServiceSettings


def render(record: ConsumerRecord) -> Panel:
    headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
    table = Table.grid(padding=(0, 2))
    table.add_column(style="cyan", no_wrap=True)
    table.add_column()
    table.add_row("key", (record.key or b"").decode(errors="replace"))
    for name, value in headers.items():
        table.add_row(name, Text(value, style="bold yellow" if name in ("ce_type", "dlq_error_type") else ""))
    value = (record.value or b"").decode(errors="replace")
    try:
        body = JSON(json.dumps(json.loads(value)), indent=2)
    except ValueError:
        body = Text(value or "(empty)", style="red")
    when = datetime.fromtimestamp(record.timestamp / 1000, UTC).isoformat(timespec="milliseconds")
    title = f"[bold]{record.topic}[/] [dim]partition {record.partition} offset {record.offset} · {when}[/]"
    return Panel(Group(table, Text(""), body), title=title, title_align="left",
                 subtitle=headers.get("ce_type", "no ce_type"), subtitle_align="right")


async def follow(topic: str, settings: ServiceSettings, console: Console, from_beginning: bool = False,
                 types: list[str] | None = None, limit: int | None = None, idle_timeout: float | None = None) -> int:
    """Print matching records until Ctrl-C, `limit` records, or `idle_timeout` seconds without one."""
    consumer = AIOKafkaConsumer(
        settings.topic(topic), bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None,
        enable_auto_commit=False, auto_offset_reset="earliest" if from_beginning else "latest",
        client_id="tijara-tail", **settings.kafka_client_options(),
    )
    await consumer.start()
    shown = 0
    loop = asyncio.get_running_loop()
    last = loop.time()
    try:
        while limit is None or shown < limit:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    last = loop.time()
                    ce_type = next((v.decode() for k, v in record.headers or () if k == "ce_type"), None)
                    if types and ce_type not in types:
                        continue
                    console.print(render(record))
                    shown += 1
                    if limit is not None and shown >= limit:
                        return shown
            if idle_timeout is not None and loop.time() - last > idle_timeout:
                return shown
    finally:
        await consumer.stop()
    return shown


def tail(
    topic: str = typer.Argument(..., help="e.g. catalogue.products, onboarding.suppliers, partners.receipts, "
                                "catalogue.products.dlq"),
    from_beginning: bool = typer.Option(False, "--from-beginning", help="Start at the oldest retained record."),
    type_: list[str] = typer.Option([], "--type", help="Only these ce_type values (repeatable)."),
    limit: int | None = typer.Option(None, "--max", help="Stop after this many records."),
    idle: float | None = typer.Option(None, "--idle", help="Stop after this many seconds without a record."),
) -> None:
    """Watch a topic's events live, pretty-printed. Ctrl-C exits."""
    console = Console()
    settings = ServiceSettings()
    console.print(f"[dim]tailing {settings.topic(topic)} on {settings.kafka_bootstrap_servers}"
                  f"{' from the beginning' if from_beginning else ''}; Ctrl-C to stop[/]")
    with contextlib.suppress(KeyboardInterrupt):
        shown = asyncio.run(follow(topic, settings, console, from_beginning, type_ or None, limit, idle))
        console.print(f"[dim]{shown} event(s)[/]")

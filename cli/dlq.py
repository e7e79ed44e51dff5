"""`tijara dlq list|show|redrive`: what the consumers dead-lettered, why, and sending it back once fixed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from rich.json import JSON
from rich.table import Table

from cli.common import console, run, settings
from shared.contracts.envelope import Topic, dead_letter_topic
from shared.contracts.partners import PartnerTopic
from shared.messaging.topics import REDRIVES, partitions_of

PARTNER_INPUTS = [t for t in PartnerTopic if t is not PartnerTopic.RECEIPTS]
app = typer.Typer(help="Dead-letter topics: list, inspect, redrive.", no_args_is_help=True)


def _dlq(topic: str) -> str:
    """Accept a dead-letter topic or the topic it belongs to, with or without the environment's prefix."""
    prefix = settings().kafka_topic_prefix
    name = topic if topic.startswith(prefix) else prefix + topic
    return name if name.endswith(".dlq") else dead_letter_topic(name)


def _headers(record: ConsumerRecord) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in record.headers or ()}


async def read_topic(topic: str) -> list[ConsumerRecord]:
    """Every record of `topic`, from the beginning to the end offsets at the time of asking (no consumer group)."""
    s = settings()
    consumer = AIOKafkaConsumer(bootstrap_servers=s.kafka_bootstrap_servers, group_id=None,
                                enable_auto_commit=False, **s.kafka_client_options())
    try:  # inside: a failed start is closed too
        await consumer.start()
        found = await partitions_of(s.kafka_bootstrap_servers, [topic], **s.kafka_client_options())
        partitions = [TopicPartition(topic, p) for p in found.get(topic, [])]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(*partitions, timeout_ms=1000)).values():
                records += [r for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)]]
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def _redriven() -> dict[str, dict]:
    return {r.key.decode(): json.loads(r.value) for r in await read_topic(settings().topic(REDRIVES))
            if r.key and r.value}


def _key(record: ConsumerRecord) -> str:
    return f"{record.topic}:{record.partition}:{record.offset}"


@app.command("list")
def list_(topic: str = typer.Option(None, "--topic", help="One topic (default: every marketplace topic).")) -> None:
    """A table of dead letters: offset, time, event type, error type, message, consumer group."""
    topics = [_dlq(topic)] if topic else [_dlq(t.value) for t in (*Topic, *PARTNER_INPUTS)]
    redriven = run(_redriven())
    count = 0
    for name in topics:
        table = Table(title=f"Dead letters in {name}")
        for column in ("offset", "failed at", "event type", "error type", "message", "group", "redriven"):
            table.add_column(column, overflow="fold")
        for record in run(read_topic(name)):
            h = _headers(record)
            count += 1
            table.add_row(f"{record.partition}@{record.offset}", h.get("dlq_failed_at", "")[:19],
                          h.get("ce_type", "?"), h.get("dlq_error_type", "?"), h.get("dlq_error_message", "")[:120],
                          h.get("dlq_consumer_group", "?"), "yes" if _key(record) in redriven else "")
        if table.row_count:
            console.print(table)
    console.print(f"{count} dead letter(s) in {', '.join(topics)}")


def _find(topic: str, offset: int, partition: int) -> ConsumerRecord:
    record = next((r for r in run(read_topic(topic)) if r.offset == offset and r.partition == partition), None)
    if record is None:
        console.print(f"[red]no record at {topic}[{partition}]@{offset}[/]")
        raise typer.Exit(1)
    return record


@app.command("show")
def show(topic: str, offset: int, partition: int = typer.Option(0, "--partition")) -> None:
    """One dead letter: its headers and its value as pretty JSON."""
    record = _find(_dlq(topic), offset, partition)
    table = Table(title=f"{record.topic}[{record.partition}]@{record.offset}  key={record.key!r}")
    table.add_column("header")
    table.add_column("value", overflow="fold")
    for k, v in _headers(record).items():
        table.add_row(k, v)
    console.print(table)
    try:
        console.print(JSON(json.dumps(json.loads(record.value or b""))))
    except ValueError:
        console.print(f"value (not JSON): {record.value!r}")


@app.command("redrive")
def redrive(
    topic: str,
    offset: int = typer.Option(None, "--offset", help="The dead letter to send back."),
    all_: bool = typer.Option(False, "--all", help="Every dead letter of the topic not redriven yet."),
    partition: int = typer.Option(0, "--partition"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Publish dead letters back to their original topic with their original headers (minus dlq_*), once each."""
    if (offset is None) == (not all_):
        console.print("[red]give exactly one of --offset N or --all[/]")
        raise typer.Exit(2)
    name = _dlq(topic)
    records = run(read_topic(name)) if all_ else [_find(name, offset, partition)]
    done = run(_redriven())
    already = [r for r in records if _key(r) in done]
    for r in already:
        console.print(f"[yellow]already redriven[/] {_key(r)} at {done[_key(r)]['redriven_at']}: skipped")
    todo = [r for r in records if _key(r) not in done]
    if not todo:
        console.print("nothing to redrive")
        raise typer.Exit(0 if all_ else 1)
    if not yes:
        typer.confirm(f"Send {len(todo)} dead letter(s) from {name} back to their original topic?", abort=True)
    sent = run(_send_back(todo))
    console.print(f"[green]✓[/] redriven {sent} dead letter(s)")


async def _send_back(records: list[ConsumerRecord]) -> int:
    s = settings()
    producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap_servers, acks="all", enable_idempotence=True,
                                **s.kafka_client_options())
    try:  # inside: a failed start is closed too
        await producer.start()
        for record in records:
            headers = [(k, v) for k, v in record.headers or () if not k.startswith("dlq_")]
            original = _headers(record)["dlq_original_topic"]
            await producer.send_and_wait(original, record.value, key=record.key, headers=headers)
            note = {"redriven_at": datetime.now(UTC).isoformat(), "to": original}
            await producer.send_and_wait(settings().topic(REDRIVES), json.dumps(note).encode(),
                                         key=_key(record).encode())
        return len(records)
    finally:
        await producer.stop()

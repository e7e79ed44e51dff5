"""`tijara topics ensure`: create the marketplace's topics from the declarative spec in shared/topics.py."""

from __future__ import annotations

import typer
from rich.table import Table

from cli.common import console, run, settings
from shared.topics import ensure_topics, marketplace_topics

app = typer.Typer(help="Kafka topics of the marketplace.", no_args_is_help=True)


@app.command("ensure")
def ensure() -> None:
    """Create the topics that are missing (partitions, retention or compaction per topic); idempotent."""
    s = settings()
    specs = marketplace_topics(s.topic_partitions, s.kafka_topic_prefix)
    created = set(run(ensure_topics(s.kafka_bootstrap_servers, specs, **s.kafka_client_options())))
    table = Table(title=f"Topics on {s.kafka_bootstrap_servers}")
    for column in ("topic", "partitions", "policy", "state"):
        table.add_column(column)
    for spec in specs:
        table.add_row(spec.name, str(spec.partitions), spec.policy,
                      "[green]created[/]" if spec.name in created else "exists")
    console.print(table)

"""`tijara topics ensure`: create the marketplace's missing topics from the declarative spec in shared/messaging/topics.py,
then report how every topic on the cluster differs from it (partitions, replication, configs)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from cli.common import console, run, settings
from shared.messaging.kafka_security import KafkaSecurityError
from shared.messaging.topics import TopicSettingsError, TopicState, ensure_topics, topic_drift, topics_for

app = typer.Typer(help="Kafka topics of the marketplace.", no_args_is_help=True)


@app.command("ensure")
def ensure(as_json: bool = typer.Option(False, "--json", help="print the report as JSON (for scripts)")) -> None:
    """Create the topics that are missing (partitions, replication, min.insync.replicas, retention or compaction
    per topic; idempotent), then report drift. Exits 1 when an existing topic differs from the spec: partitions
    and replication are never changed here (that is a reassignment an operator plans), configs neither. Exits 2
    on a setting the cluster cannot meet (e.g. a replication factor above its broker count)."""
    s = settings()
    specs = topics_for(s)
    try:
        options = s.kafka_client_options()
        created = set(run(ensure_topics(s.kafka_bootstrap_servers, specs, **options)))
    except (KafkaSecurityError, TopicSettingsError) as error:  # a setting to fix, not a bug: no traceback
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    states = run(topic_drift(s.kafka_bootstrap_servers, specs, **options))
    if as_json:
        print(json.dumps([{**state.as_json(), "created": state.spec.name in created} for state in states], indent=2))
    else:
        console.print(_table(s.kafka_bootstrap_servers, states, created))
    drifted = [state.spec.name for state in states if state.drift]
    if drifted:
        if not as_json:
            console.print(f"[red]{len(drifted)} topic(s) differ from the spec[/]: TOPIC_PARTITIONS, "
                          "TOPIC_REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS say what the spec wants")
        raise typer.Exit(1)


def _table(bootstrap: str, states: list[TopicState], created: set[str]) -> Table:
    table = Table(title=f"Topics on {bootstrap}")
    for column in ("topic", "partitions", "replication", "min ISR", "policy", "state"):
        table.add_column(column)
    for state in states:
        spec = state.spec
        drift = state.drift
        verdict = ("[green]created[/]" if spec.name in created else "ok") if not drift else \
            "[red]" + "; ".join(drift) + "[/]"
        table.add_row(spec.name, str(state.partitions), str(state.replication),
                      state.config.get("min.insync.replicas", "?"), spec.policy, verdict)
    return table

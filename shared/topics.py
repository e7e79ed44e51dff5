"""Declarative topic spec, and `ensure_topics` which creates what is missing (idempotent, safe at every start)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.envelope import Topic, dead_letter_topic
from shared.partners import PartnerTopic

log = logging.getLogger(__name__)
WEEK_MS = 7 * 24 * 3600 * 1000


REDRIVES = "tijara.dlq-redrives"  # which dead letters an operator sent back, keyed by dlq topic:partition:offset


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 3
    config: dict[str, str] = field(default_factory=dict)

    @property
    def policy(self) -> str:
        if self.config.get("cleanup.policy") == "compact":
            return "compacted"
        ms = int(self.config.get("retention.ms", WEEK_MS))
        return "kept forever" if ms < 0 else f"kept {ms / (24 * 3600 * 1000):g} days"


def retained(name: str, partitions: int, ms: int) -> TopicSpec:
    return TopicSpec(name, partitions, {"cleanup.policy": "delete", "retention.ms": str(ms)})


def compacted(name: str, partitions: int) -> TopicSpec:
    return TopicSpec(name, partitions, {"cleanup.policy": "compact"})


def marketplace_topics(partitions: int = 3, prefix: str = "") -> list[TopicSpec]:
    """THE topic spec. Aggregate streams are kept forever (the showcase rebuilds from them); dead letters four weeks;
    the redrive record is compacted (only the latest record per dead letter matters); partner topics as below."""
    streams = [retained(prefix + t.value, partitions, -1) for t in Topic]
    dlqs = [retained(dead_letter_topic(prefix + t.value), 1, 4 * WEEK_MS) for t in Topic]
    return streams + dlqs + partner_topics(partitions, prefix) + [compacted(prefix + REDRIVES, 1)]


def partner_topics(partitions: int = 3, prefix: str = "") -> list[TopicSpec]:
    """Partner input and receipts are a conversation, not a history: kept four weeks (delete, not compacted)."""
    keep = {"retention.ms": str(4 * WEEK_MS), "cleanup.policy": "delete"}
    inputs = [t for t in PartnerTopic if t is not PartnerTopic.RECEIPTS]
    return ([TopicSpec(prefix + t.value, partitions, keep) for t in PartnerTopic]
            + [TopicSpec(dead_letter_topic(prefix + t.value), 1, keep) for t in inputs])


async def ensure_topics(bootstrap: str, specs: list[TopicSpec], **client_options: object) -> list[str]:
    """Create the topics that do not exist yet; return the names created. `client_options`: SASL settings."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            new = [NewTopic(s.name, s.partitions, 1, topic_configs=s.config) for s in missing]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass  # another service created them first
            log.info("created topics %s", [s.name for s in missing])
        return [s.name for s in missing]
    finally:
        await admin.close()


async def partitions_of(bootstrap: str, topics: list[str], **client_options: object) -> dict[str, list[int]]:
    """The partitions of each topic that exists (a missing topic is left out)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return {d["topic"]: sorted(p["partition"] for p in d["partitions"]) for d in described
            if not d["error_code"] and d["partitions"]}

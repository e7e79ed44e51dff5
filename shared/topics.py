"""Declarative topic spec, and `ensure_topics` which creates what is missing (idempotent, safe at every start)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.events import PartnerTopic, Topic, dead_letter_topic

log = logging.getLogger(__name__)
WEEK_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 3
    config: dict[str, str] = field(default_factory=dict)


def marketplace_topics(partitions: int = 3, prefix: str = "") -> list[TopicSpec]:
    """Aggregate streams are kept forever (the showcase rebuilds from them); dead letters for four weeks."""
    streams = [TopicSpec(prefix + t.value, partitions, {"retention.ms": "-1"}) for t in Topic]
    dlqs = [TopicSpec(dead_letter_topic(prefix + t.value), 1, {"retention.ms": str(4 * WEEK_MS)}) for t in Topic]
    return streams + dlqs + partner_topics(partitions, prefix)


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

"""Declarative topic spec; `ensure_topics` creates what is missing (idempotent, safe at every start) and
`topic_drift` compares what exists with the spec (partitions, replication, configs) for `tijara topics ensure`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError

from shared.contracts.envelope import Topic, dead_letter_topic
from shared.contracts.partners import PartnerTopic, receipts_topic
from shared.contracts.privacy import PrivacyTopic

log = logging.getLogger(__name__)
WEEK_MS = 7 * 24 * 3600 * 1000


REDRIVES = "tijara.dlq-redrives"  # which dead letters an operator sent back, keyed by dlq topic:partition:offset


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 3
    config: dict[str, str] = field(default_factory=dict)
    replication: int = 1

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


def marketplace_topics(partitions: int = 3, prefix: str = "", replication: int = 1,
                       min_insync: int = 1) -> list[TopicSpec]:
    """THE topic spec. Aggregate streams are kept forever (the showcase rebuilds from them); dead letters four weeks;
    the redrive record is compacted (only the latest record per dead letter matters); partner topics as below;
    erasure outcomes (privacy.erasures: what each service erased, for the operator waiting) four weeks, one
    partition (few, and read whole by `tijara privacy erase`), no dead letters (no service consumes them).
    Every topic gets the same replication and `min.insync.replicas` (producers write with acks=all): with RF 3 and
    min ISR 2 a write survives the loss of one broker and is refused rather than kept on a single copy."""
    streams = [retained(prefix + t.value, partitions, -1) for t in Topic]
    dlqs = [retained(dead_letter_topic(prefix + t.value), 1, 4 * WEEK_MS) for t in Topic]
    privacy = [retained(prefix + t.value, 1, 4 * WEEK_MS) for t in PrivacyTopic]
    specs = streams + dlqs + partner_topics(partitions, prefix) + privacy + [compacted(prefix + REDRIVES, 1)]
    durability = {"min.insync.replicas": str(min_insync)}
    return [TopicSpec(s.name, s.partitions, s.config | durability, replication) for s in specs]


def topics_for(settings) -> list[TopicSpec]:  # settings: shared.settings.ServiceSettings
    return marketplace_topics(settings.topic_partitions, settings.kafka_topic_prefix,
                              settings.topic_replication_factor, settings.topic_min_insync_replicas)


PARTNER_KEEP = {"retention.ms": str(4 * WEEK_MS), "cleanup.policy": "delete"}


def partner_topics(partitions: int = 3, prefix: str = "") -> list[TopicSpec]:
    """Partner input and receipts are a conversation, not a history: kept four weeks (delete, not compacted).
    Receipts have no shared topic: each partner's is made when it is registered (`partner_receipts_topics`)."""
    inputs = [t for t in PartnerTopic if t is not PartnerTopic.RECEIPTS]  # every partner topic a service reads
    return ([TopicSpec(prefix + t.value, partitions, PARTNER_KEEP) for t in inputs]
            + [TopicSpec(dead_letter_topic(prefix + t.value), 1, PARTNER_KEEP) for t in inputs])


def partner_receipts_topics(partner_ids: list[str], prefix: str = "", replication: int = 1,
                            min_insync: int = 1) -> list[TopicSpec]:
    """`partners.receipts.<partner id>`, one per partner, read by that partner alone (init-security.sh's ACLs).
    One partition: a partner's receipts are few, and one partition keeps them in the order they were written."""
    config = PARTNER_KEEP | {"min.insync.replicas": str(min_insync)}
    return [TopicSpec(prefix + receipts_topic(p), 1, config, replication) for p in partner_ids]


class TopicSettingsError(RuntimeError):
    """The topic settings cannot be met by this cluster; the message names the setting."""


async def ensure_topics(bootstrap: str, specs: list[TopicSpec], **client_options: object) -> list[str]:
    """Create the topics that do not exist yet; return the names created. `client_options`: security settings.
    Refuses (rather than quietly creating weaker topics) when the cluster has fewer brokers than the replication."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            await _check_replication(admin, missing)
            new = [NewTopic(s.name, s.partitions, s.replication, topic_configs=s.config) for s in missing]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass  # another service created them first
            log.info("created topics %s", [s.name for s in missing])
        return [s.name for s in missing]
    finally:
        await admin.close()


async def _check_replication(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> None:
    brokers = len((await admin.describe_cluster())["brokers"])
    wanted = max(s.replication for s in specs)
    if wanted > brokers:
        raise TopicSettingsError(
            f"TOPIC_REPLICATION_FACTOR={wanted} but the Kafka cluster has {brokers} broker(s); set "
            f"TOPIC_REPLICATION_FACTOR and TOPIC_MIN_INSYNC_REPLICAS to at most {brokers} (1 and 1 on a single-broker "
            "development stack), or point KAFKA_BOOTSTRAP_SERVERS at the full cluster")


@dataclass
class TopicState:
    """What a topic looks like on the cluster, next to its spec; `drift` says in words what differs."""

    spec: TopicSpec
    exists: bool
    partitions: int = 0
    replication: int = 0
    config: dict[str, str] = field(default_factory=dict)

    @property
    def drift(self) -> list[str]:
        if not self.exists:
            return ["missing"]
        found = []
        if self.partitions != self.spec.partitions:
            found.append(f"partitions {self.partitions}, spec {self.spec.partitions}")
        if self.replication != self.spec.replication:
            found.append(f"replication {self.replication}, spec {self.spec.replication}")
        found += [f"{key}={self.config.get(key)}, spec {value}" for key, value in sorted(self.spec.config.items())
                  if self.config.get(key) != value]
        return found

    def as_json(self) -> dict:
        return {"topic": self.spec.name, "exists": self.exists, "partitions": self.partitions,
                "replication": self.replication, "config": {k: self.config.get(k) for k in self.spec.config},
                "spec": {"partitions": self.spec.partitions, "replication": self.spec.replication,
                         "config": self.spec.config}, "drift": self.drift}


async def topic_drift(bootstrap: str, specs: list[TopicSpec], **client_options: object) -> list[TopicState]:
    """Each spec'd topic as the cluster has it: partition count, replication (the smallest replica set of its
    partitions: one short partition is enough to lose data) and the configs the spec sets."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    await admin.start()
    try:
        described = {d["topic"]: d for d in await admin.describe_topics([s.name for s in specs])
                     if not d["error_code"] and d["partitions"]}
        resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in described]
        responses = await admin.describe_configs(resources) if resources else []
    finally:
        await admin.close()
    configs = {r[3]: {e[0]: e[1] for e in r[4]} for response in responses for r in response.resources}
    states = []
    for spec in specs:
        topic = described.get(spec.name)
        if topic is None:
            states.append(TopicState(spec, exists=False))
            continue
        states.append(TopicState(spec, True, len(topic["partitions"]),
                                 min(len(p["replicas"]) for p in topic["partitions"]), configs.get(spec.name, {})))
    return states


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

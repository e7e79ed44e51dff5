"""Each service's AsyncAPI 3.0 document: FastStream's, made to tell the whole contract.

FastStream builds channels and operations from the broker's subscribers and declared publishers. Our subscribers
take the raw record (decoding is ours, so poison can be dead-lettered), so FastStream sees no payload; this module
fills each channel with one message per event type that travels on the topic: the payload schema from the
stream modules (shared.contracts.suppliers, shared.contracts.products, ...), the CloudEvents headers (ce_type fixed to the type), the
Kafka key, and the consumer group of each receive operation. Dead-letter channels carry the original headers plus
the dlq_* ones.

    make asyncapi     # cli/asyncapi.py: docs/asyncapi/<service>.json and .yaml, no Kafka
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from shared.contracts.envelope import SPECVERSION
from shared.contracts.registry import EVENT_TYPES
from shared.contracts.wire_schema import wire_schema

if TYPE_CHECKING:
    from shared.web.runtime import Runtime

REF = "#/components/schemas/{model}"
DLQ_HEADERS = {
    "dlq_error_type": "why: undecodable, tombstone, unknown-type, schema-invalid, retries-exhausted, or a partner "
                      "refusal (unknown-partner, type-not-allowed, provenance-not-allowed, bad-signature)",
    "dlq_error_message": "the error, readable", "dlq_attempts": "attempts made",
    "dlq_consumer_group": "the group that gave up", "dlq_original_topic": "where the record was read",
    "dlq_original_partition": "its partition", "dlq_original_offset": "its offset", "dlq_failed_at": "ISO 8601 time",
}


def types_on(topic: str) -> list[str]:
    return sorted(t for t, model in EVENT_TYPES.items() if model.TOPIC.value == topic)


def declare_publishers(broker: KafkaBroker, topics: Iterable[str], prefix: str = "") -> None:
    """Document what a service publishes (the outbox relay and the inboxes publish with broker.publish)."""
    for topic in map(str, topics):
        broker.publisher(prefix + topic, title=f"{topic}:publish",
                         description=f"Publishes {', '.join(types_on(topic))}; key: the aggregate id.")


def dead_letter_publishers(broker: KafkaBroker, topics: Iterable[str], prefix: str = "") -> None:
    for topic in map(str, topics):
        broker.publisher(f"{prefix}{topic}.dlq", title=f"{topic}.dlq:publish",
                         description=f"Records of {topic} this service could not handle, as received, with "
                                     "the original headers plus dlq_* headers saying why.")


HEADERS = {
    "ce_id": "Unique per event; the same event delivered twice (at-least-once) has the same ce_id: de-duplicate by it.",
    "ce_source": "The producer: /tijara/<service> or /partners/<partner id>.",
    "ce_type": "Versioned event type (ma.tijara.<aggregate>.<what happened>.v<N>); old versions are upcast when "
               "read (tijara_events.decode).",
    "ce_time": "When the producer wrote the event, i.e. recorded the change (RFC 3339, the producer's clock); "
               "equal to the data's occurred_at up to the outbox write. It is NOT when the fact happened in the "
               "world: inquiries imported from before the marketplace have ce_time up to weeks after their "
               "received_at. Group business figures by the data's own times (received_at, responded_at...).",
    "ce_subject": "The aggregate id ({subject}); also the Kafka key, so one aggregate's events keep their order.",
    "content-type": "Always application/json: the value is the event's data as a JSON object.",
    "traceparent": "W3C trace context of the request or job that caused the event (OpenTelemetry); absent when "
                   "none was active.",
    "correlation_id": "Written by FastStream (the producers' Kafka client) on every record: a fresh UUID per "
                      "publish. It correlates nothing across events (a relay retry of the same event gets a new "
                      "one; ce_id stays): de-duplicate by ce_id, follow a request by traceparent.",
}
SEQUENCE = ("Every aggregate event carries `sequence`, the aggregate's version after it: keep per aggregate the "
            "newest by sequence (an older or repeated one changes nothing). Gaps are normal: some changes count a "
            "version but publish no event (a single document's review before the documents are verified; edits "
            "that change nothing public). An event of a type you do not know is newer state too: do not skip it "
            "(tijara_events.Fold keeps its fields and marks the aggregate).")


def headers_schema(ce_type: str | None, subject: str | None, dead_letter: bool = False) -> dict[str, Any]:
    props: dict[str, Any] = {
        name: {"type": "string", "description": text.format(subject=subject or "aggregate id")}
        for name, text in HEADERS.items()}
    props["ce_specversion"] = {"type": "string", "const": SPECVERSION}
    props["ce_time"]["format"] = "date-time"
    props["content-type"]["const"] = "application/json"
    if ce_type:
        props["ce_type"]["const"] = ce_type
    required = ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject"]
    if dead_letter:
        props |= {name: {"type": "string", "description": text} for name, text in DLQ_HEADERS.items()}
        required = ["dlq_error_type", "dlq_error_message"]
    return {"type": "object", "properties": dict(sorted(props.items())), "required": required}


def topic_binding(topic: str) -> dict[str, Any]:
    """The topic's retention and partitions, from the one topic spec (shared.messaging.topics)."""
    from shared.messaging.topics import marketplace_topics

    spec = next((t for t in marketplace_topics() if t.name == topic), None)
    if spec is None:
        return {}
    config: dict[str, Any] = {"cleanup.policy": [spec.config.get("cleanup.policy", "delete")]}
    if "retention.ms" in spec.config:
        config["retention.ms"] = int(spec.config["retention.ms"])
    return {"kafka": {"topic": topic, "partitions": spec.partitions, "topicConfiguration": config,
                      "bindingVersion": "0.5.0"}}


def _message(ce_type: str, schemas: dict[str, Any], dead_letter: bool = False) -> dict[str, Any]:
    model = EVENT_TYPES[ce_type]
    schema = wire_schema(model, ref_template=REF)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    summary = (model.__doc__ or model.__name__).strip().splitlines()[0]
    return {
        "name": ce_type, "title": model.__name__ + (" (dead letter)" if dead_letter else ""),
        "summary": summary, "contentType": "application/json",
        "headers": headers_schema(ce_type, model.SUBJECT, dead_letter),
        "payload": {"$ref": REF.format(model=model.__name__)},
        "bindings": {"kafka": {"key": {"type": "string", "description": f"the event's {model.SUBJECT}"},
                               "bindingVersion": "0.5.0"}},
    }


def document(runtime: Runtime) -> dict[str, Any]:
    settings = runtime.settings
    spec = AsyncAPI(runtime.broker, title=f"Tijara {settings.service_name} events", version="1.0.0",
                    description=f"Kafka topics {settings.service_name} publishes and handles. Messages are "
                    "CloudEvents 1.0 in Kafka binary mode: ce_* headers, the JSON event as the value, the "
                    "aggregate id as the key. See docs/subscribing.md.").to_specification().to_jsonable()
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for name, channel in spec.get("channels", {}).items():
        topic = channel["address"].removeprefix(settings.kafka_topic_prefix)
        dead_letter = topic.endswith(".dlq")
        types = types_on(topic.removesuffix(".dlq"))
        channel["messages"] = {}
        for ce_type in types:
            key = f"{ce_type}.dlq" if dead_letter else ce_type
            messages[key] = _message(ce_type, schemas, dead_letter)
            channel["messages"][key] = {"$ref": f"#/components/messages/{key}"}
        binding = topic_binding(topic)
        if binding:
            channel["bindings"] = binding
        kept = next((t.policy for t in _specs() if t.name == topic), "")
        channel["description"] = (f"Topic {topic}: " + (", ".join(types) or "no event types")
                                  + (f". Retention: {kept}." if kept else "")
                                  + (f" {SEQUENCE}" if any(_sequenced(t) for t in types) and not dead_letter else ""))
    for operation in spec.get("operations", {}).values():
        ref = operation["channel"]["$ref"].rsplit("/", 1)[-1]
        operation["messages"] = [{"$ref": f"#/channels/{ref}/messages/{m}"}
                                 for m in spec["channels"][unquote(ref)]["messages"]]
        if operation.get("action") == "receive":
            operation["bindings"] = {"kafka": {"groupId": {"type": "string", "enum": [settings.consumer_group]},
                                               "bindingVersion": "0.5.0"}}
    spec["components"] = {"messages": dict(sorted(messages.items())), "schemas": dict(sorted(schemas.items()))}
    return spec


def _specs():
    from shared.messaging.topics import marketplace_topics

    return marketplace_topics()


def _sequenced(ce_type: str) -> bool:
    return "sequence" in EVENT_TYPES[ce_type].model_fields


class _Rendered:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.title = doc["info"]["title"]

    def to_json(self) -> str:
        return json.dumps(self.doc)


def html(doc: dict[str, Any]) -> str:
    from faststream.specification.asyncapi.site import get_asyncapi_html

    return get_asyncapi_html(_Rendered(doc), try_it_out_path=None)  # type: ignore[arg-type]


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

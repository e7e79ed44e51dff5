"""Each service's AsyncAPI 3.0 document: FastStream's, made to tell the whole contract.

FastStream builds channels and operations from the broker's subscribers and declared publishers. Our subscribers
take the raw record (decoding is ours, so poison can be dead-lettered), so FastStream sees no payload; this module
fills each channel with one message per event type that travels on the topic: the payload schema from the
stream modules (shared.suppliers, shared.products, ...), the CloudEvents headers (ce_type fixed to the type), the
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

from shared import inquiries, partner_commands, partners, products, suppliers  # noqa: F401  (register types)
from shared.envelope import EVENT_TYPES, SPECVERSION

if TYPE_CHECKING:
    from shared.runtime import Runtime

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


def headers_schema(ce_type: str | None, subject: str | None, dead_letter: bool = False) -> dict[str, Any]:
    props: dict[str, Any] = {
        "ce_specversion": {"type": "string", "const": SPECVERSION},
        "ce_id": {"type": "string", "description": "Unique per event; consumers de-duplicate by it."},
        "ce_source": {"type": "string", "description": "The producer: /tijara/<service> or /partners/<partner id>."},
        "ce_type": {"type": "string", "description": "Versioned event type."} | ({"const": ce_type} if ce_type else {}),
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": f"The {subject or 'aggregate id'}; also the Kafka key."},
        "content-type": {"type": "string", "const": "application/json"},
        "traceparent": {"type": "string", "description": "W3C trace context of the write that caused the event."},
    }
    required = ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject"]
    if dead_letter:
        props |= {name: {"type": "string", "description": text} for name, text in DLQ_HEADERS.items()}
        required = ["dlq_error_type", "dlq_error_message"]
    return {"type": "object", "properties": props, "required": required}


def _message(ce_type: str, schemas: dict[str, Any], dead_letter: bool = False) -> dict[str, Any]:
    model = EVENT_TYPES[ce_type]
    schema = model.model_json_schema(ref_template=REF, mode="validation")
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
        channel["description"] = f"Topic {topic}: " + (", ".join(types) or "no event types")
    for operation in spec.get("operations", {}).values():
        ref = operation["channel"]["$ref"].rsplit("/", 1)[-1]
        operation["messages"] = [{"$ref": f"#/channels/{ref}/messages/{m}"}
                                 for m in spec["channels"][unquote(ref)]["messages"]]
        if operation.get("action") == "receive":
            operation["bindings"] = {"kafka": {"groupId": {"type": "string", "enum": [settings.consumer_group]},
                                               "bindingVersion": "0.5.0"}}
    spec["components"] = {"messages": dict(sorted(messages.items())), "schemas": dict(sorted(schemas.items()))}
    return spec


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

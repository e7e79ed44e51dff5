"""CloudEvents 1.0 in Kafka binary mode, read: attributes in `ce_*` headers, the event's JSON as the value, the
aggregate id as the key. `decode` takes headers and value; `decode_record` an aiokafka `ConsumerRecord` or a
confluent-kafka `Message`. Old versions are upcast (`product.listed.v1` -> v2) so a reader sees the newest shape."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from tijara_events.base import TYPES, Message, UnknownEvent
from tijara_events.products import UPCASTERS as PRODUCT_UPCASTERS

SPECVERSION = "1.0"
UPCASTERS: dict[str, Callable[[dict], tuple[str, dict]]] = {**PRODUCT_UPCASTERS}
"""Old event versions that stay readable: each turns (data of the old version) into (newer type, its data)."""

Headers = Mapping[str, bytes | str | None] | Iterable[tuple[str, bytes | str | None]] | None


class Undecodable(Exception):
    """A record no reader can take: not a CloudEvent, not a JSON object, a tombstone, or a known type missing what
    its model requires (`reason` says which). Log or dead-letter it, and move on: it never becomes readable."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class CloudEvent:
    """One decoded event. `data`: the model of `type` (after upcasting), or an `UnknownEvent` when `known` is False
    (a type added after this package was built: read with the stream's common fields, the rest kept)."""

    id: str
    source: str
    type: str
    subject: str | None
    time: datetime | None  # ce_time: when the producer wrote the event (see docs/subscribing.md, "Times")
    data: Message
    known: bool = True
    original_type: str | None = None  # the type on the wire, when it was upcast
    traceparent: str | None = None
    correlation_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    @property
    def sequence(self) -> int | None:
        return getattr(self.data, "sequence", None)


def _headers(raw: Headers) -> dict[str, str]:
    pairs = raw.items() if isinstance(raw, Mapping) else (raw or ())
    return {name: value.decode(errors="replace") if isinstance(value, bytes) else (value or "")
            for name, value in pairs}


def decode(headers: Headers, value: bytes | str | None, **where: Any) -> CloudEvent:
    """Decode one record's headers and value. `where`: topic, partition, offset, kept on the event."""
    h = _headers(headers)
    if value is None:
        raise Undecodable("tombstone", "null value")
    ce_type, ce_id, source = h.get("ce_type"), h.get("ce_id"), h.get("ce_source")
    if not (ce_type and ce_id and source) or h.get("ce_specversion") != SPECVERSION:
        raise Undecodable("undecodable", "missing CloudEvents headers (ce_specversion 1.0, ce_id, ce_source, ce_type)")
    try:
        payload = json.loads(value)
    except (ValueError, UnicodeDecodeError) as error:
        raise Undecodable("undecodable", f"value is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise Undecodable("undecodable", "value is not a JSON object")
    wire_type = ce_type
    while ce_type in UPCASTERS:
        ce_type, payload = UPCASTERS[ce_type](payload)
    model = TYPES.get(ce_type)
    try:
        data = (model or UnknownEvent).model_validate(payload)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in error.errors()[:5])
        raise Undecodable("schema-invalid", f"{ce_type}: {problems}") from None
    return CloudEvent(id=ce_id, source=source, type=ce_type, subject=h.get("ce_subject"), time=_time(h),
                      data=data, known=model is not None, original_type=wire_type if wire_type != ce_type else None,
                      traceparent=h.get("traceparent"), correlation_id=h.get("correlation_id"), headers=h, **where)


def _time(headers: Mapping[str, str]) -> datetime | None:
    text = headers.get("ce_time")
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        raise Undecodable("undecodable", f"ce_time is not ISO 8601: {text!r}") from None


def decode_record(record: Any) -> CloudEvent:
    """An aiokafka `ConsumerRecord` (attributes) or a confluent-kafka `Message` (methods)."""
    if callable(getattr(record, "value", None)):  # confluent-kafka
        return decode(record.headers(), record.value(), topic=record.topic(), partition=record.partition(),
                      offset=record.offset())
    return decode(record.headers, record.value, topic=record.topic, partition=record.partition, offset=record.offset)

"""The CloudEvents 1.0 envelope (Kafka binary mode), the base of every event model, and how a consumer reads one.

Producers write strict models (`Event` subclasses in the stream modules `shared.contracts.suppliers`, `shared.contracts.products`,
`shared.contracts.inquiries`); each consumer reads through its OWN slim reader models (`Reader` subclasses in the service):
only the fields it uses, unknown fields ignored, an enum value it does not know kept as "unknown" (`Tolerant`).
A producer's additive change then never dead-letters an older consumer, while a message missing what the reader
needs still does (it is never half-applied).
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from shared.contracts.actors import Actor, on_events

SPECVERSION = "1.0"


class Topic(StrEnum):
    """The marketplace's aggregate streams: one topic each, keyed by aggregate id."""

    SUPPLIERS = "onboarding.suppliers"
    PRODUCTS = "catalogue.products"
    INQUIRIES = "inquiries.inquiries"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


class Message(BaseModel):
    """Data of one message of the contract. A concrete type declares TYPE (versioned ce_type), TOPIC and SUBJECT (the
    field whose value is the Kafka key and ce_subject), and is registered in EVENT_TYPES by declaring TYPE."""

    model_config = ConfigDict(frozen=True)
    TYPE: ClassVar[str]
    TOPIC: ClassVar[StrEnum]
    SUBJECT: ClassVar[str]

    @property
    def subject(self) -> str:
        return str(getattr(self, self.SUBJECT))

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "TYPE" in cls.__dict__:
            EVENT_TYPES[cls.TYPE] = cls


class Event(Message):
    """Data of one aggregate event as its producer writes it."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    sequence: int = Field(ge=1, description="The aggregate's version after this event.")
    occurred_at: AwareDatetime
    actor: Actor | None = Field(None, description="Who caused the change: subject, role, organisation (the "
                                "marketplace itself for automated changes). Absent on events older than it.")

    def by(self, actor: Actor | None) -> Self:
        """The event stamped with who caused it, as shared topics carry people: pseudonymous (shared.contracts.actors)."""
        return self.model_copy(update={"actor": on_events(actor)})


EVENT_TYPES: dict[str, type[BaseModel]] = {}
"""Every event type of the contract (filled as the stream modules are imported), by ce_type."""

# Old event versions stay readable: an upcaster turns (type, data) of an old version into the next one.
UPCASTERS: dict[str, Callable[[dict], tuple[str, dict]]] = {}

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


# --- reading ------------------------------------------------------------------------------------------------------

UNKNOWN = "unknown"
Unknown = Literal["unknown"]


def _keep_unknown(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        if isinstance(value, str):
            return UNKNOWN  # a value a newer producer added: visible as "unknown", never a dead letter
        raise


E = TypeVar("E")
Tolerant = Annotated[E | Unknown, WrapValidator(_keep_unknown)]
"""`Tolerant[SupplierStatus]`: a known member, or "unknown" for any other string (a value added after this reader)."""


class Reader(BaseModel):
    """Base of a consumer's reader model: only the fields it uses; whatever else the event carries is ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    sequence: int = Field(ge=1)


# --- envelope -----------------------------------------------------------------------------------------------------


class PoisonEvent(Exception):
    """A message no retry can fix. `kind`: undecodable, unknown-type or schema-invalid."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Envelope:
    """A CloudEvent in Kafka binary mode: attributes in `ce_*` headers, data as the JSON value."""

    data: Any  # the producer's Event; on the consuming side, the consumer's reader model
    source: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    traceparent: str | None = None
    ce_type: str | None = None  # set when read (a reader model has no TYPE); a producer's comes from its model
    ce_subject: str | None = None

    @property
    def type(self) -> str:
        return self.ce_type or self.data.TYPE

    @property
    def topic(self) -> str:
        return self.data.TOPIC.value

    @property
    def subject(self) -> str:
        return self.ce_subject or getattr(self.data, "subject", "")

    @property
    def key(self) -> bytes:
        return self.subject.encode()

    def headers(self) -> dict[str, str]:
        headers = {
            "ce_specversion": SPECVERSION,
            "ce_id": self.id,
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_time": self.time.isoformat(),
            "ce_subject": self.subject,
            "content-type": "application/json",
        }
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        return headers

    def value(self) -> bytes:
        return self.data.model_dump_json().encode()


def _text(headers: Mapping[str, bytes | str], name: str) -> str | None:
    raw = headers.get(name)
    return raw.decode() if isinstance(raw, bytes) else raw


def _parse(headers: Mapping[str, bytes | str], value: bytes | None) -> tuple[str, dict, str, str]:
    """(ce_type after upcasting, data, ce_id, ce_source), or PoisonEvent."""
    ce_type, ce_id, source = (_text(headers, h) for h in ("ce_type", "ce_id", "ce_source"))
    if not (ce_type and ce_id and source) or _text(headers, "ce_specversion") != SPECVERSION:
        raise PoisonEvent("undecodable", "missing CloudEvents headers (ce_specversion 1.0, ce_id, ce_source, ce_type)")
    try:
        payload = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise PoisonEvent("undecodable", f"value is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise PoisonEvent("undecodable", "value is not a JSON object")
    while ce_type in UPCASTERS:
        ce_type, payload = UPCASTERS[ce_type](payload)
    if ce_type not in EVENT_TYPES:
        raise PoisonEvent("unknown-type", f"no event type {ce_type!r} in the contract")
    return ce_type, payload, ce_id, source


def _check_time(headers: Mapping[str, bytes | str]) -> datetime | None:
    time_text = _text(headers, "ce_time")
    try:
        return datetime.fromisoformat(time_text) if time_text else None
    except ValueError:
        raise PoisonEvent("undecodable", f"ce_time is not ISO 8601: {time_text!r}") from None


def read(headers: Mapping[str, bytes | str], value: bytes | None,
         readers: Mapping[str, type[BaseModel]]) -> Envelope | None:
    """Read a consumed message through the consumer's reader model for its type (upcasting old versions first).
    None: a contract type this consumer does not read. PoisonEvent: a message no reader can take (no CloudEvents
    headers, not JSON, a type in no contract, or missing or malformed what the reader needs)."""
    # headers decoded once; bytes that are not UTF-8 read as U+FFFD: such a type is in no contract (a dead letter)
    headers = {name: raw.decode(errors="replace") if isinstance(raw, bytes) else raw for name, raw in headers.items()}
    data, ce_type = _validated_json(headers, value, readers), _text(headers, "ce_type")
    if data is None:  # not the common case: parse, upcast, then validate, each failure with its own reason
        ce_type, payload, _, _ = _parse(headers, value)
        model = readers.get(ce_type)
        if model is None:
            return None
        try:
            data = model.model_validate(payload)
        except ValidationError as error:
            raise PoisonEvent("schema-invalid", summary(error)) from None
    time = _check_time(headers) or getattr(data, "occurred_at", datetime.now(UTC))
    return Envelope(data=data, source=_text(headers, "ce_source"), id=_text(headers, "ce_id"), time=time,
                    traceparent=_text(headers, "traceparent"), ce_type=ce_type, ce_subject=_text(headers, "ce_subject"))


def _validated_json(headers: Mapping[str, bytes | str], value: bytes | None,
                    readers: Mapping[str, type[BaseModel]]) -> BaseModel | None:
    """The common case in one step: a current type this consumer reads, validated straight from the JSON bytes
    (pydantic's parser, no dict in between). None when anything is off; `read` then finds out what."""
    ce_type = _text(headers, "ce_type")
    model = readers.get(ce_type) if ce_type not in UPCASTERS else None
    if (model is None or not value or _text(headers, "ce_specversion") != SPECVERSION
            or not (_text(headers, "ce_id") and _text(headers, "ce_source"))):
        return None
    try:
        return model.model_validate_json(value)
    except ValidationError:
        return None


def read_record(record: Any, readers: Mapping[str, type[BaseModel]]) -> Envelope | None:
    """`read` of a consumed record (an aiokafka ConsumerRecord)."""
    return read(dict(record.headers or ()), record.value, readers)


class ReadOnce:
    """For two readers of the same records in one process (the showcase's group consumer and its page's log
    follower): each record decoded once. Whichever reads a record first keeps its envelope here by (topic,
    partition, offset), the other takes it. Bounded: past `limit` the oldest kept go (records the other reader never
    reads, e.g. of partitions another replica's group consumer handles); an envelope gone is read again."""

    def __init__(self, readers: Mapping[str, type[BaseModel]], limit: int = 5000) -> None:
        self.readers = readers
        self.limit = limit
        # an OrderedDict: the oldest goes in O(1), where `next(iter(dict))` walks the slots the other reader's pops
        # left at the front (5 % of the showcase's CPU while its follower ran ahead of its group consumer)
        self._kept: OrderedDict[tuple[str, int, int], Envelope | None] = OrderedDict()

    def __call__(self, record: Any) -> Envelope | None:
        key = (record.topic, record.partition, record.offset)
        if key in self._kept:
            return self._kept.pop(key)
        envelope = read_record(record, self.readers)  # poison raises: each reader handles it its own way
        if len(self._kept) >= self.limit:
            self._kept.popitem(last=False)
        self._kept[key] = envelope
        return envelope

    def data(self, record: Any) -> BaseModel | None:
        """The record's data alone, for `read_all`."""
        envelope = self(record)
        return None if envelope is None else envelope.data


def read_all(records: Iterable[Any], read: Callable[[Any], BaseModel | None]) -> tuple[list[BaseModel], int]:
    """The events of consumed records that `read` reads (a record's data, None for a type it does not read), in
    order, and how many were poison or tombstones: for readers that only skip those (the live consumer
    dead-letters them), e.g. `ReadOnce(...).data` or `data_reader(readers)`."""
    events, skipped = [], 0
    for record in records:
        try:
            if record.value is None:  # a tombstone
                raise PoisonEvent("tombstone", "null value")
            data = read(record)
        except PoisonEvent:
            skipped += 1
            continue
        if data is not None:
            events.append(data)
    return events, skipped


def read_data(headers: Mapping[str, bytes | str], value: bytes | None,
              readers: Mapping[str, type[BaseModel]]) -> BaseModel | None:
    """`read(...).data` for a reader that needs no envelope attributes (a replay): the common case validated
    straight from the JSON bytes, without the envelope; anything else through `read`, with its reasons."""
    data = _validated_json(headers, value, readers)
    if data is None:
        envelope = read(headers, value, readers)
        return None if envelope is None else envelope.data
    _check_time(headers)
    return data


def data_reader(readers: Mapping[str, type[BaseModel]]) -> Callable[[Any], BaseModel | None]:
    """`read_data` of a consumed record, for `read_all`."""
    return lambda record: read_data(dict(record.headers or ()), record.value, readers)


def decode(headers: Mapping[str, bytes | str], value: bytes | None) -> Envelope:
    """Validate a message against the PRODUCER's strict model (tools and tests; consumers use `read`)."""
    envelope = read(headers, value, EVENT_TYPES)
    assert envelope is not None  # every contract type has its producer model
    return envelope


def summary(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in error.errors()[:5])

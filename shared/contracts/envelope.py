"""The CloudEvents 1.0 envelope (Kafka binary mode), the base of every message model, and the reader side's bases.

Producers write strict models (`Event` subclasses in the stream modules `shared.contracts.suppliers`, `shared.contracts.products`,
`shared.contracts.inquiries`; every type listed in `shared.contracts.registry`); each consumer reads through its OWN
slim reader models (`Reader` subclasses in the service): only the fields it uses, unknown fields ignored, an enum
value it does not know kept as "unknown" (`Tolerant`). A producer's additive change then never dead-letters an older
consumer, while a message missing what the reader needs still does (it is never half-applied). Decoding a consumed
message: shared.messaging.decoding.
"""

from __future__ import annotations

import uuid
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
    field whose value is the Kafka key and ce_subject), and is listed in shared.contracts.registry.EVENT_TYPES."""

    model_config = ConfigDict(frozen=True)
    TYPE: ClassVar[str]
    TOPIC: ClassVar[StrEnum]
    SUBJECT: ClassVar[str]

    @property
    def subject(self) -> str:
        return str(getattr(self, self.SUBJECT))


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

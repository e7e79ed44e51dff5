"""Wire contract of personal-data erasure: what each service holding personal data erased, published by that
service (through its outbox) on `privacy.erasures`, one outcome per erasure request it handled and per retention run
that erased something. `tijara privacy erase` sends a request with its id and waits for one outcome per holder.

An outcome names the request, the service and the records (`inquiry inq-…`, `supplier sup-…`: ids, not people)
and what was erased in them; NEVER the person (no e-mail, no name, not even its keyed hash: the request id is what
correlates). The topic is restricted: written by the holders, read by operators only (deploy/kafka/service-acls.txt:
no service and no subscribing team may read it), kept four weeks (shared.messaging.topics). Nothing personal may be
added to it: the schema gate's personal-data rule holds it like any topic (it is not among the topics allowed
personal fields, shared.contracts.personal_fields.RESTRICTED_TOPICS)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.actors import Actor
from shared.contracts.envelope import Id, Message

Record = Annotated[str, Field(min_length=1, max_length=200)]
Erased = Annotated[str, Field(min_length=1, max_length=300)]


class PrivacyTopic(StrEnum):
    ERASURES = "privacy.erasures"  # what each holder erased, keyed by the request id


class ErasureCause(StrEnum):
    REQUEST = "request"  # an operator's erasure request (`tijara privacy erase`, POST /privacy/erasure)
    RETENTION = "retention"  # the service's retention job found personal data past its period


class RecordCount(BaseModel):
    """How many records of one kind held the person's data (`inquiry`: 2)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    kind: Id = Field(description="The kind of record: inquiry, supplier, partner, message")
    records: int = Field(ge=0)


class ErasureOutcome(Message):
    """What one service erased for one request (or retention run). Asked again for the same person (a new request),
    the service reports the same records and what was erased, with `already_erased` true; the same request id
    asked twice gets one outcome."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    TYPE: ClassVar[str] = "ma.tijara.privacy.erasure-outcome.v1"
    TOPIC: ClassVar[PrivacyTopic] = PrivacyTopic.ERASURES
    SUBJECT: ClassVar[str] = "request_id"
    request_id: Id = Field(description="The operator's request (or `retention-…` for a retention run): the only "
                                       "link between the outcomes of one erasure, never the person")
    service: Id = Field(description="The service that erased: onboarding, inquiries, partners, notifications")
    cause: ErasureCause
    occurred_at: AwareDatetime = Field(description="When the service recorded the outcome")
    actor: Actor | None = Field(None, description="Who asked (pseudonymous, like every actor on a topic); the "
                                                  "marketplace itself for retention")
    records: list[Record] = Field([], max_length=10_000,
                                  description="The records that held the person's data, e.g. `inquiry inq-…`")
    records_by_kind: list[RecordCount] = Field([], description="`records` counted per kind")
    erased: list[Erased] = Field([], max_length=50_000,
                                 description="What was erased or anonymised in them, e.g. `inquiry inq-…: buyer's "
                                             "contact (e-mail, name)`")
    already_erased: bool = Field(description="True when an earlier request erased it all: nothing new was found")


def counted(records: list[str]) -> list[RecordCount]:
    """`records` (`kind id`) counted per kind, in the order of kinds."""
    kinds: dict[str, int] = {}
    for record in records:
        kind = record.split(" ", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return [RecordCount(kind=k, records=n) for k, n in sorted(kinds.items())]

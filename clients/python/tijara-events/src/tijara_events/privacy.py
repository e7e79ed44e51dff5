"""The `privacy.erasures` topic: what each service holding personal data erased, one outcome per erasure request
(or retention run), keyed by the request id. Restricted: read by operators only; nothing personal in it."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from tijara_events.base import Actor, Message, Part
from tijara_events.open import Open
from tijara_events.vocabulary import ErasureCause


class RecordCount(Part):
    kind: str
    records: int


class ErasureOutcome(Message):
    TYPE: ClassVar[str] = "ma.tijara.privacy.erasure-outcome.v1"
    TOPIC: ClassVar[str] = "privacy.erasures"
    SUBJECT: ClassVar[str] = "request_id"
    request_id: str
    service: str
    cause: Open[ErasureCause]
    occurred_at: datetime
    actor: Actor | None = None
    records: list[str] = []
    records_by_kind: list[RecordCount] = []
    erased: list[str] = []
    already_erased: bool

"""The base of every wire model: tolerant reading. Fields are typed for reading, not policing: unknown fields are
kept (`model_extra`), every enum is open, and the producers' constraints (patterns, lengths) are the producers'
business, so a value a producer may send is never refused here."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from tijara_events.open import Open
from tijara_events.vocabulary import Role

TYPES: dict[str, type[Message]] = {}
"""Every event type and version of the contract this package knows, by ce_type."""


class Part(BaseModel):
    """A part of an event (a profile, a listing...): unknown fields kept."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Message(Part):
    """Data of one message. A concrete type names its TYPE (ce_type), TOPIC and SUBJECT (the field that is the key)."""

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    SUBJECT: ClassVar[str]

    @property
    def subject(self) -> str:
        return str(getattr(self, self.SUBJECT))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "TYPE" in cls.__dict__:
            TYPES[cls.TYPE] = cls


class Actor(Part):
    """Who caused a change. `subject` is the identity provider's id of a person (pseudonymous personal data: keep it
    only where you need an audit trail) or `tijara-<service>` for what the marketplace did by itself."""

    subject: str
    role: Open[Role]
    organisation: str | None = None


class Event(Message):
    """An aggregate event: `sequence` is the aggregate's version after it (gaps are normal: some changes, e.g. a
    single document's review, publish nothing); newest by sequence wins."""

    sequence: int = Field(ge=1)
    occurred_at: datetime
    actor: Actor | None = None


class UnknownEvent(Message):
    """An event of a type this package does not know (a type or version added after it was built), read with
    what every event of its stream carries; every other field is kept in `model_extra`. `TYPE` is not set."""

    sequence: int | None = None

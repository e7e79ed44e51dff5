"""How a composed message reaches a person. One small interface: e-mail today (channels/email.py); SMS or WhatsApp
Business later as another `Channel`, without touching the rules (domain.py) or the delivery loop (delivery.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """A message as composed and recorded: sent again unchanged after a crash."""

    message_id: str
    to: str
    subject: str
    text: str
    html: str
    language: str
    headers: dict[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe, traceparent


class TransientFailure(Exception):
    """Try again later: the relay is down, busy or answered 4xx."""


class PermanentFailure(Exception):
    """Never going through as it is: 5xx, a bad address. Recorded as failed with this reason."""


class Channel(Protocol):
    name: str

    async def send(self, message: Outgoing) -> None:
        """Hand the message over; raises TransientFailure or PermanentFailure."""
        ...

    async def close(self) -> None: ...

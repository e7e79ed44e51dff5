"""notifications over HTTP: the one-click unsubscribe a message links to (RFC 8058; no login, the link is signed),
and the operators' view of the messages (`tijara notifications list|show|retry` calls it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from services.notifications import unsubscribe
from services.notifications.service import Notifications
from shared.contracts.actors import Role
from shared.errors import Conflict, MarketplaceError, NotFound
from shared.web.http_errors import responses
from shared.web.identity import require

AUTH = (401, 403, 503)
people = APIRouter(tags=["unsubscribe"])
operations = APIRouter(prefix="/messages", tags=["operations"], dependencies=[Depends(require(Role.OPERATOR))])


def notifications(request: Request) -> Notifications:
    return request.app.state.notifications


Service = Annotated[Notifications, Depends(notifications)]
Token = Annotated[str, Query(min_length=3, max_length=600, description="The signed token of the link")]

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Tijara</title></head><body>
<p>{text}</p>{form}</body></html>"""


def _address(request: Request, token: str) -> str:
    address = unsubscribe.address_of(token, request.app.state.unsubscribe_secret)
    if address is None:
        raise MarketplaceError("this unsubscribe link is not valid")
    return address


@people.get("/unsubscribe", response_class=HTMLResponse, responses=responses(400, 422))
async def confirm_unsubscribe(request: Request, token: Token) -> str:
    """The link opened in a browser: asks before doing anything (mail scanners follow links)."""
    _address(request, token)
    form = f'<form method="post" action="/unsubscribe?token={token}"><button>Unsubscribe</button></form>'
    return PAGE.format(text="Stop reminders and digests from Tijara? Answers to your own inquiries still reach "
                            "you.", form=form)


@people.post("/unsubscribe", response_class=HTMLResponse, responses=responses(400, 422))
async def unsubscribe_now(request: Request, token: Token, service: Service) -> str:
    """One click (RFC 8058: a mail client POSTs `List-Unsubscribe=One-Click`): from every message that is not
    transactional; the answer to one's own inquiry and a supplier's standing still come."""
    await service.unsubscribe(_address(request, token))
    return PAGE.format(text="Done: Tijara sends you no more reminders or digests.", form="")


class MessageView(BaseModel):
    key: str
    message_id: str
    kind: str
    recipient: str
    status: str
    created_at: datetime
    attempts: int = 0
    to: str | None = None
    subject: str | None = None
    language: str | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    reason: str | None = None
    digest: str | None = None
    cause: str | None = None

    @classmethod
    def of(cls, doc: dict) -> MessageView:
        rendered = doc.get("rendered") or {}
        return cls(key=doc["_id"], **{k: v for k, v in doc.items() if k in cls.model_fields and k != "key"},
                   to=rendered.get("to"), subject=rendered.get("subject"), language=rendered.get("language"))


class MessageDetail(MessageView):
    text: str | None = None
    headers: dict[str, str] = {}

    @classmethod
    def of(cls, doc: dict) -> MessageDetail:
        rendered = doc.get("rendered") or {}
        return cls(**MessageView.of(doc).model_dump(), text=rendered.get("text"), headers=rendered.get("headers", {}))


@operations.get("", responses=responses(*AUTH))
async def list_messages(service: Service, status: str | None = None, recipient: str | None = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[MessageView]:
    """Newest first; `status` queued, held, sent, failed, suppressed or digested; `recipient` e.g. supplier:<id>."""
    return [MessageView.of(d) for d in await service.store.listing(status, recipient, limit)]


@operations.get("/{key}", responses=responses(404, *AUTH))
async def show_message(key: str, service: Service) -> MessageDetail:
    found = await service.store.get(key)
    if found is None:
        raise NotFound(f"no message {key!r}", key=key)
    return MessageDetail.of(found)


@operations.post("/{key}/retry", responses=responses(404, 409, *AUTH))
async def retry_message(key: str, service: Service) -> MessageView:
    """A failed message, queued again (e.g. after the address was corrected at its owner)."""
    if not await service.retry(key):
        found = await service.store.get(key)
        if found is None:
            raise NotFound(f"no message {key!r}", key=key)
        raise Conflict(f"message {key} is {found['status']}; only a failed message is retried",
                       current_state=found["status"])
    return MessageView.of(await service.store.get(key))

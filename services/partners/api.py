"""The partner registry over HTTP, for operators (`tijara partners ...` calls it): register partners (with an
optional contact e-mail and language), issue and revoke API keys, list them, set or remove a partner's webhook.
Secrets are shown once, at issue; stored and listed keys carry no secret material. A webhook's `whsec_` secret is
shown once too (the service keeps it to sign with; it is never listed).

Who may call: operators only (a bearer token with the operator role, verified by shared.web.identity); a partner's
contact (`GET /partners/{partner_id}/contact`) also the notifier, the service that writes to people; each read of
it is recorded (privacy.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, EmailStr, Field

from services.partners import privacy
from services.partners.domain import Language, Partner, PartnerKind
from services.partners.service import PartnerIngress
from shared.contracts.actors import Actor, Role
from shared.contracts.partners import PARTNER_ID_PATTERN
from shared.web.http_errors import responses
from shared.web.identity import require

AUTH = (401, 403, 503)  # 503: the identity provider's keys unreachable
router = APIRouter(prefix="/partners", tags=["partner registry"], dependencies=[Depends(require(Role.OPERATOR))])


def ingress(request: Request) -> PartnerIngress:
    return request.app.state.ingress


Service = Annotated[PartnerIngress, Depends(ingress)]


class Registration(BaseModel):
    partner_id: str = Field(pattern=PARTNER_ID_PATTERN, max_length=64,
                            description="Lower-case letters, digits and '-': it names the partner's Kafka principal "
                                        "and its receipts topic, partners.receipts.<partner id>")
    name: str = Field(min_length=1, max_length=200)
    kind: PartnerKind
    organisation: str | None = Field(None, description="For agencies and inspection bodies: which one, as the "
                                     "vocabulary names it (AMDIE, Maroc PME, ASMEX; SGS, TÜV Rheinland, ...)")
    rate_per_minute: int = Field(120, gt=0, le=100_000)
    contact_email: EmailStr | None = Field(None, description="Who is told about this partner's integration "
                                           "(notifications)")
    language: Language | None = Field(None, description="The language of those messages: en, fr or ar")


class KeyView(BaseModel):
    key_id: str
    created_at: datetime
    revoked: bool


class PartnerView(BaseModel):
    partner_id: str
    name: str
    kind: PartnerKind
    organisation: str | None
    scopes: list[str]
    rate_per_minute: int
    keys: list[KeyView]
    webhook_url: str | None = Field(None, description="Where receipts are pushed, if anywhere")

    @classmethod
    def of(cls, partner: Partner) -> PartnerView:
        return cls(**partner.model_dump(exclude={"keys", "webhook", "contact_email", "language"}),
                   keys=[KeyView(**k.model_dump(include={"key_id", "created_at", "revoked"})) for k in partner.keys],
                   webhook_url=partner.webhook.url if partner.webhook else None)


class WebhookRequest(BaseModel):
    url: str = Field(max_length=500, description="https://... (the partner's endpoint)")


class IssuedWebhook(BaseModel):
    partner_id: str
    url: str
    secret: str = Field(description="`whsec_...`: shown this once; verify each push with it (Standard Webhooks)")


class Contact(BaseModel):
    partner_id: str
    name: str
    contact_email: str | None
    language: Language | None


class IssuedKey(BaseModel):
    partner_id: str
    key_id: str
    key: str = Field(description="`<key id>.<secret>`: shown this once; only its hash is kept")


@router.get("", responses=responses(*AUTH))
async def list_partners(service: Service) -> list[PartnerView]:
    return [PartnerView.of(p) for p in await service.partners.all()]


@router.post("", status_code=201, responses=responses(400, 409, *AUTH))
async def register_partner(registration: Registration, service: Service) -> PartnerView:
    return PartnerView.of(await service.register(**registration.model_dump()))


@router.get("/{partner_id}", responses=responses(*AUTH))
async def get_partner(partner_id: str, service: Service) -> PartnerView:
    return PartnerView.of(await service.partner(partner_id))


@router.post("/{partner_id}/keys", status_code=201, responses=responses(*AUTH))
async def issue_key(partner_id: str, service: Service) -> IssuedKey:
    key, plaintext = await service.issue_key(partner_id)
    return IssuedKey(partner_id=partner_id, key_id=key.key_id, key=plaintext)


@router.post("/{partner_id}/keys/{key_id}/revocation", responses=responses(*AUTH))
async def revoke_key(partner_id: str, key_id: str, service: Service) -> PartnerView:
    await service.revoke_key(partner_id, key_id)
    return PartnerView.of(await service.partner(partner_id))


@router.put("/{partner_id}/webhook", responses=responses(400, 404, *AUTH))
async def set_webhook(partner_id: str, request: WebhookRequest, service: Service) -> IssuedWebhook:
    """Push this partner's receipts to `url` (Standard Webhooks), with a new secret shown once."""
    webhook = await service.set_webhook(partner_id, request.url)
    return IssuedWebhook(partner_id=partner_id, url=webhook.url, secret=webhook.secret)


@router.delete("/{partner_id}/webhook", status_code=204, responses=responses(404, *AUTH))
async def remove_webhook(partner_id: str, service: Service) -> None:
    """Stop pushing: the partner pulls its receipts (GET /partner-events, or its Kafka receipts topic)."""
    await service.set_webhook(partner_id, None)


contacts = APIRouter(prefix="/partners", tags=["partner registry"])


@contacts.get("/{partner_id}/contact", responses=responses(404, *AUTH))
async def partner_contact(partner_id: str, service: Service, request: Request, data: privacy.Data,
                          actor: Annotated[Actor, Depends(require(Role.OPERATOR, Role.NOTIFIER))]) -> Contact:
    """Whom to write to about a partner, and in which language: for operators and the notifier only. The read is
    recorded (who, when, this route): `GET /privacy/reads`."""
    partner = await service.partner(partner_id)
    data.note_read(actor, request, partner)
    return Contact(partner_id=partner.partner_id, name=partner.name, contact_email=partner.contact_email,
                   language=partner.language)

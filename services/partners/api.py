"""The partner registry over HTTP, for operators (`tijara partners ...` calls it): register partners, issue and revoke
API keys, list them. Secrets are shown once, at issue; stored and listed keys carry no secret material.

Who may call: operators only. Until the marketplace's OIDC identity (shared/identity) is wired, the `operator`
dependency below is the seam: a bearer token equal to the OPERATOR_TOKEN setting. To wire it, replace its body by
`require(Role.OPERATOR)`; nothing else here changes.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from services.partners.domain import ID_PATTERN, Partner, PartnerKind
from services.partners.service import PartnerIngress
from shared.errors import MarketplaceError

ERRORS = {401: {"description": "no or wrong operator token"}, 403: {"description": "registry closed (no token set)"},
          404: {"description": "no such partner or key"}, 409: {"description": "partner already registered"}}
bearer = HTTPBearer(auto_error=False, description="The operator's token (OPERATOR_TOKEN of the partners service)")


class Unauthenticated(MarketplaceError):
    status, title = 401, "unauthenticated"


class Forbidden(MarketplaceError):
    status, title = 403, "forbidden"


def operator(request: Request,
             credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    expected = request.app.state.runtime.settings.operator_token
    if not expected:
        raise Forbidden("the partner registry is closed: the partners service has no OPERATOR_TOKEN set")
    if credentials is None or not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise Unauthenticated("send the operator's token as Authorization: Bearer <token>")


router = APIRouter(prefix="/partners", tags=["partner registry"], dependencies=[Depends(operator)],
                   responses=ERRORS)


def ingress(request: Request) -> PartnerIngress:
    return request.app.state.ingress


Service = Annotated[PartnerIngress, Depends(ingress)]


class Registration(BaseModel):
    partner_id: str = Field(pattern=ID_PATTERN, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: PartnerKind
    organisation: str | None = Field(None, description="For agencies and inspection bodies: which one, as the "
                                     "vocabulary names it (AMDIE, Maroc PME, ASMEX; SGS, TÜV Rheinland, ...)")
    rate_per_minute: int = Field(120, gt=0, le=100_000)


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

    @classmethod
    def of(cls, partner: Partner) -> PartnerView:
        return cls(**partner.model_dump(exclude={"keys"}),
                   keys=[KeyView(**k.model_dump(include={"key_id", "created_at", "revoked"})) for k in partner.keys])


class IssuedKey(BaseModel):
    partner_id: str
    key_id: str
    key: str = Field(description="`<key id>.<secret>`: shown this once; only its hash is kept")


@router.get("")
async def list_partners(service: Service) -> list[PartnerView]:
    return [PartnerView.of(p) for p in await service.partners.all()]


@router.post("", status_code=201)
async def register_partner(registration: Registration, service: Service) -> PartnerView:
    return PartnerView.of(await service.register(**registration.model_dump()))


@router.get("/{partner_id}")
async def get_partner(partner_id: str, service: Service) -> PartnerView:
    return PartnerView.of(await service.partner(partner_id))


@router.post("/{partner_id}/keys", status_code=201)
async def issue_key(partner_id: str, service: Service) -> IssuedKey:
    key, plaintext = await service.issue_key(partner_id)
    return IssuedKey(partner_id=partner_id, key_id=key.key_id, key=plaintext)


@router.post("/{partner_id}/keys/{key_id}/revocation")
async def revoke_key(partner_id: str, key_id: str, service: Service) -> PartnerView:
    await service.revoke_key(partner_id, key_id)
    return PartnerView.of(await service.partner(partner_id))

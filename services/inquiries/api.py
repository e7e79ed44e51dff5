"""inquiries over HTTP: buyers send inquiries without a token (rate-limited per client, size-limited, with a
honeypot field for forms); the addressed supplier reads and answers them; it or staff closes them. The buyer's
contact is readable only by the addressed supplier and staff, and by the notifier through the correspondence."""

from __future__ import annotations

from typing import Annotated

import limits
from fastapi import APIRouter, Depends, Request
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field

from services.inquiries import privacy
from services.inquiries.domain import BuyerRequest, Correspondence, Inquiry, PastInquiry
from services.inquiries.service import Inquiries
from shared.contracts.actors import Actor, Role
from shared.errors import MarketplaceError
from shared.web.http_errors import TooManyRequests, responses
from shared.web.identity import require

AUTH = (401, 403, 503)  # 503: the identity provider's keys unreachable; 404/413/422 come with the route's shape
router = APIRouter(prefix="/inquiries", tags=["inquiries"])


def inquiries(request: Request) -> Inquiries:
    return request.app.state.inquiries


Service = Annotated[Inquiries, Depends(inquiries)]
Addressee = Annotated[Actor, Depends(require(Role.SUPPLIER))]
AddresseeOrStaff = Annotated[Actor, Depends(require(Role.SUPPLIER, Role.STAFF))]
Correspondent = Annotated[Actor, Depends(require(Role.NOTIFIER, Role.SUPPLIER, Role.STAFF))]
Notifier = Annotated[Actor, Depends(require(Role.NOTIFIER))]
Operator = Annotated[Actor, Depends(require(Role.OPERATOR))]


class BuyerLimit:
    """Inquiries per client address in a moving window (the `limits` library, in this process's memory: each
    replica counts its own; behind a load balancer, set uvicorn's proxy headers so the client address is real)."""

    def __init__(self, rate: str) -> None:
        self.rate = limits.parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def check(self, client: str) -> None:
        if not await self.limiter.hit(self.rate, "inquiry", client):
            reset, _ = await self.limiter.get_window_stats(self.rate, "inquiry", client)
            raise TooManyRequests(f"at most {self.rate} inquiries per client; try again later",
                                  retry_after=reset)


async def within_buyer_limit(request: Request) -> None:
    await request.app.state.buyer_limit.check(request.client.host if request.client else "unknown")


class InquiryForm(BuyerRequest):
    website: str | None = Field(None, max_length=200, description="Honeypot: forms hide it; people leave it empty.")


class Answer(BaseModel):
    message: str = Field(min_length=1, max_length=4000)


class CorrespondenceAsked(BaseModel):
    inquiry_ids: list[str] = Field(min_length=1, max_length=500)


class Closing(BaseModel):
    reason: str | None = Field(None, min_length=1, max_length=200)


@router.post("", status_code=201, dependencies=[Depends(within_buyer_limit)],
             responses=responses(400, 404, 409, 413, 422, 429))
async def send_inquiry(form: InquiryForm, service: Service) -> Inquiry:
    """Open to every buyer, without a token."""
    if form.website:
        raise MarketplaceError("this inquiry looks automated (a hidden form field was filled in)")
    return await service.receive(BuyerRequest.model_validate(form.model_dump(exclude={"website"})))


@router.post("/history", status_code=201, responses=responses(400, 404, 409, 422, *AUTH))
async def bring_in_past_inquiry(past: PastInquiry, service: Service, actor: Operator) -> Inquiry:
    """An inquiry a supplier received before joining, with its original times (operators; `make run`'s demo uses
    it to give suppliers a believable history of response times)."""
    return await service.bring_in(past, actor)


@router.get("", responses=responses(*AUTH))
async def inquiries_of_supplier(supplier_id: str, service: Service, actor: AddresseeOrStaff, request: Request,
                                data: privacy.Data) -> list[Inquiry]:
    """Each inquiry with its buyer's contact: the reads are recorded (privacy.py)."""
    found = await service.of_supplier(supplier_id, actor)
    data.note_read(actor, request, found)
    return found


@router.get("/{inquiry_id}", responses=responses(404, *AUTH))
async def get_inquiry(inquiry_id: str, service: Service, actor: AddresseeOrStaff, request: Request,
                      data: privacy.Data) -> Inquiry:
    inquiry = await service.read(inquiry_id, actor)
    data.note_read(actor, request, [inquiry])
    return inquiry


@router.post("/correspondence", responses=responses(422, *AUTH))
async def get_correspondences(asked: CorrespondenceAsked, service: Service, actor: Notifier, request: Request,
                              data: privacy.Data) -> list[Correspondence]:
    """The correspondence of many inquiries in one request, for the notifier's sending batches; an inquiry unknown
    or whose buyer contact was erased is left out of the answer. Each contact answered is recorded."""
    found = await service.correspondences(asked.inquiry_ids)
    data.note_contacts(actor, request, [(c.inquiry_id, c.contact_email) for c in found])
    return found


@router.get("/{inquiry_id}/correspondence", responses=responses(404, *AUTH))
async def get_correspondence(inquiry_id: str, service: Service, actor: Correspondent, request: Request,
                             data: privacy.Data) -> Correspondence:
    """What a message about the inquiry needs (the buyer's e-mail and language, the question and the answer): for
    the notifier, staff and the supplier it is addressed to."""
    correspondence = await service.correspondence(inquiry_id, actor)
    data.note_contacts(actor, request, [(inquiry_id, correspondence.contact_email)])
    return correspondence


@router.post("/{inquiry_id}/response", responses=responses(404, 409, *AUTH))
async def respond(inquiry_id: str, answer: Answer, service: Service, actor: Addressee) -> Inquiry:
    """The supplier's answer (the first only). To an inquiry whose buyer was erased (`contact_erased_at` set) it is
    accepted and counted (responded, with its time) but its text is not kept (`response`: `[erased]`) and nobody
    is written to."""
    return await service.respond(inquiry_id, answer.message, actor)


@router.post("/{inquiry_id}/closing", responses=responses(404, 409, *AUTH))
async def close(inquiry_id: str, closing: Closing, service: Service, actor: AddresseeOrStaff) -> Inquiry:
    return await service.close(inquiry_id, closing.reason, actor)

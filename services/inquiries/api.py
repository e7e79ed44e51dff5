"""inquiries over HTTP: buyers send inquiries; suppliers answer them; either side closes them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.inquiries.domain import BuyerRequest, Inquiry, PastInquiry
from services.inquiries.service import Inquiries

router = APIRouter(prefix="/inquiries", tags=["inquiries"])


def inquiries(request: Request) -> Inquiries:
    return request.app.state.inquiries


Service = Annotated[Inquiries, Depends(inquiries)]


class Answer(BaseModel):
    message: str = Field(min_length=1, max_length=4000)


class Closing(BaseModel):
    reason: str | None = Field(None, min_length=1, max_length=200)


@router.post("", status_code=201)
async def send_inquiry(request: BuyerRequest, service: Service) -> Inquiry:
    return await service.receive(request)


@router.post("/history", status_code=201)
async def bring_in_past_inquiry(past: PastInquiry, service: Service) -> Inquiry:
    """An inquiry the supplier received before joining, with its original times (what `make run`'s demo uses to
    give suppliers a believable history of response times)."""
    return await service.bring_in(past)


@router.get("")
async def inquiries_of_supplier(supplier_id: str, service: Service) -> list[Inquiry]:
    return await service.of_supplier(supplier_id)


@router.get("/{inquiry_id}")
async def get_inquiry(inquiry_id: str, service: Service) -> Inquiry:
    return await service.get(inquiry_id)


@router.post("/{inquiry_id}/response")
async def respond(inquiry_id: str, answer: Answer, service: Service) -> Inquiry:
    return await service.respond(inquiry_id, answer.message)


@router.post("/{inquiry_id}/closing")
async def close(inquiry_id: str, closing: Closing, service: Service) -> Inquiry:
    return await service.close(inquiry_id, closing.reason)

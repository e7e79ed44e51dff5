"""inquiries over HTTP: buyers send inquiries about listed products."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.inquiries.domain import BuyerRequest, Inquiry
from services.inquiries.service import Inquiries

router = APIRouter(prefix="/inquiries", tags=["inquiries"])


def inquiries(request: Request) -> Inquiries:
    return request.app.state.inquiries


Service = Annotated[Inquiries, Depends(inquiries)]


@router.post("", status_code=201)
async def send_inquiry(request: BuyerRequest, service: Service) -> Inquiry:
    return await service.receive(request)


@router.get("/{inquiry_id}")
async def get_inquiry(inquiry_id: str, service: Service) -> Inquiry:
    return await service.get(inquiry_id)

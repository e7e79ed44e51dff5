"""What a partner reads over HTTP, with its API key (no bearer token: these routes are outside the README's
authorization table, which is for the IdP's tokens):

    GET /partner-events/{ce_id}                  200 the receipt of YOUR event ce_id; 202 still processing;
                                                 404 an id you never sent (another partner's ids are not yours)
    GET /partner-events?since=<cursor>&limit=N   200 {"receipts": [...], "next": "<cursor>"}: your receipts in the
                                                 order they were answered; pass `next` as `since` to continue (the
                                                 same `next` back when there is nothing new); limit 1-200, 50
    GET /partner-suppliers                       200 {"suppliers": [...]}: the suppliers you applied for or whose id
                                                 your events carried, each with its status, `may_send` (the event
                                                 types you may send about it now: an agency sees the endorsement
                                                 type once the documents are verified) and `next` in words
    X-Tijara-Key: <key id>.<secret>              the same key as for POST /partner-events

Reads carry the key only, like a bearer token over TLS: no timestamp or signature (nothing is written, so there is
nothing to replay or alter; the answer is only ever the key's own partner's). 401 without a valid active key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.partners.receipts import PENDING, BadCursor, PartnerReads
from shared.web.http_errors import answer, responses

router = APIRouter(tags=["partners"])
KEY = {401: {"description": "no valid, active X-Tijara-Key"}}


async def _caller(request: Request):
    return await request.app.state.gateway.authenticate(request)


def _reads(request: Request) -> PartnerReads:
    return request.app.state.reads


@router.get("/partner-events/{ce_id}", responses={**responses(404), **KEY,
                                                  202: {"description": "received, still with onboarding"}})
async def partner_event_receipt(ce_id: str, request: Request) -> JSONResponse:
    """The receipt of one of your events."""
    caller = await _caller(request)
    if isinstance(caller, JSONResponse):
        return caller
    found = await _reads(request).receipt(caller.partner.partner_id, ce_id[:200])
    if found is None:
        return answer(404, "not found", f"{caller.partner.partner_id} sent no event with Ce-Id {ce_id[:100]!r}")
    if found == PENDING:
        return JSONResponse({"status": PENDING, "event_id": ce_id}, status_code=202)
    return JSONResponse(found)


@router.get("/partner-events", responses={**responses(400), **KEY})
async def partner_receipts(request: Request, since: Annotated[str | None, Query(max_length=500)] = None,
                           limit: Annotated[int, Query(ge=1, le=200)] = 50) -> JSONResponse:
    """Your receipts since a cursor, in the order they were answered."""
    caller = await _caller(request)
    if isinstance(caller, JSONResponse):
        return caller
    try:
        receipts, cursor = await _reads(request).receipts(caller.partner.partner_id, since, limit)
    except BadCursor as error:
        return answer(400, "invalid cursor", f"{error}; pass the `next` of the previous page, or no `since`")
    return JSONResponse({"receipts": receipts, "next": cursor})


@router.get("/partner-suppliers", responses=KEY)
async def partner_suppliers(request: Request) -> JSONResponse:
    """The suppliers you brought, with their status and what you may send about each now."""
    caller = await _caller(request)
    if isinstance(caller, JSONResponse):
        return caller
    suppliers = await _reads(request).suppliers(caller.partner)
    return JSONResponse({"suppliers": [s | {"updated_at": s["updated_at"] and s["updated_at"].isoformat()}
                                       for s in suppliers]})

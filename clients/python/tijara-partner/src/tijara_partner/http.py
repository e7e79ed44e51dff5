"""A partner's client of the HTTP gateway: send signed events, read their receipts (pull)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from tijara_partner.events import Receipt, SupplierState
from tijara_partner.signing import PartnerKey, encode_event, signed_request_headers

DEFAULT_URL = "http://127.0.0.1:8004"


class GatewayError(Exception):
    """The gateway refused a request: its status, its `error` and `message`, and `Retry-After` on a 429."""

    def __init__(self, status: int, error: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error, self.message, self.retry_after = status, error, message, retry_after


class ReceiptTimeout(TimeoutError):
    """No receipt within the time waited: the event is still being processed (or Kafka is down on our side)."""


@dataclass(frozen=True)
class Sent:
    """The gateway's 202: the event is recorded; `new` is False when this `ce_id` had been received before."""

    ce_id: str
    ce_type: str
    new: bool


@dataclass(frozen=True)
class ReceiptPage:
    receipts: list[Receipt]
    cursor: str | None  # pass it as `since` to read what comes after


class HttpPartner:
    """`async with HttpPartner(key) as partner: await partner.send(ENDORSEMENT, {...})`.

    `client` lets you bring your own httpx.AsyncClient (proxies, TLS, tests); its base URL is then yours to set.
    """

    def __init__(self, key: PartnerKey | str, base_url: str = DEFAULT_URL, *,
                 client: httpx.AsyncClient | None = None, timeout: float = 10.0) -> None:
        self.key = key if isinstance(key, PartnerKey) else PartnerKey.parse(key)
        self._own_client = client is None
        self._http = client or httpx.AsyncClient(base_url=base_url, timeout=timeout)

    async def send(self, ce_type: str, event: Mapping[str, Any] | bytes, ce_id: str | None = None) -> Sent:
        """Sign and post one event. Resending the same `ce_id` is safe (signed afresh; answered "already received")."""
        body = encode_event(event)
        headers = signed_request_headers(self.key, ce_type, body, ce_id)
        answer = _checked(await self._http.post("/partner-events", content=body, headers=headers))
        return Sent(headers["Ce-Id"], ce_type, answer.json().get("status") != "already received")

    async def receipt(self, ce_id: str) -> Receipt | None:
        """The receipt of your event `ce_id`; None while it is being processed (202) or not yet received (404: e.g.
        a Kafka record the inbox has not read yet, or an id you never sent)."""
        answer = await self._http.get(f"/partner-events/{ce_id}", headers=self._auth())
        if answer.status_code in (202, 404):
            return None
        return Receipt.of(_checked(answer).json())

    async def receipts(self, since: str | None = None, limit: int = 50) -> ReceiptPage:
        """Your receipts in the order they were made, after the cursor `since` (from the first without one); pass
        the page's `cursor` as `since` to continue (the same cursor comes back while there is nothing new)."""
        params: dict[str, str | int] = {"limit": limit} | ({"since": since} if since else {})
        data = _checked(await self._http.get("/partner-events", params=params, headers=self._auth())).json()
        return ReceiptPage([Receipt.of(r) for r in data["receipts"]], data["next"] or None)

    async def suppliers(self) -> list[SupplierState]:
        """The suppliers you brought (applied for, or named in your events): their status and what you may send
        about each now (e.g. an agency may endorse once the documents are verified)."""
        data = _checked(await self._http.get("/partner-suppliers", headers=self._auth())).json()
        return [SupplierState.of(s) for s in data["suppliers"]]

    async def wait_for_receipt(self, ce_id: str, timeout: float = 30.0, every: float = 0.5) -> Receipt:
        """Poll `receipt(ce_id)` until it is there; ReceiptTimeout after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while (found := await self.receipt(ce_id)) is None:
            if time.monotonic() >= deadline:
                raise ReceiptTimeout(f"no receipt for {ce_id} within {timeout}s")
            await asyncio.sleep(every)
        return found

    def _auth(self) -> dict[str, str]:
        return {"X-Tijara-Key": self.key.header}

    async def aclose(self) -> None:
        if self._own_client:
            await self._http.aclose()

    async def __aenter__(self) -> HttpPartner:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.aclose()


def _checked(answer: httpx.Response) -> httpx.Response:
    if answer.is_success:
        return answer
    try:
        data = answer.json()
    except ValueError:
        data = {}
    retry = answer.headers.get("retry-after")
    raise GatewayError(answer.status_code, str(data.get("error", answer.reason_phrase)),
                       str(data.get("message", answer.text[:500])), float(retry) if retry else None)

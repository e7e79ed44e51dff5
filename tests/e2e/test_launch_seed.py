"""`tijara local seed --scale launch`'s driver at a small size, through the running services: interrupted mid-way, then
resumed from its journal, it ends with exactly the data set an uninterrupted run creates (nothing sent twice)."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from deploy.local import demo, launch
from tests.e2e.test_marketplace_flow import wait_for

SCALE = demo.Scale(suppliers=12, products=30, inquiries=40, rejected=3, pending=3, suspended=0)


class _Unplugged(httpx.AsyncHTTPTransport):
    """A network that fails after `budget` requests, as a seeding run stopped half-way would."""

    def __init__(self, budget: int):
        super().__init__()
        self.budget = budget

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.budget -= 1
        if self.budget < 0:
            raise httpx.ConnectError("unplugged", request=request)
        return await super().handle_async_request(request)


def test_launch_seeding_resumes_from_its_journal(marketplace, tmp_path):
    urls = {s: marketplace.url(s) for s in marketplace.ports}
    journal = tmp_path / "seed.jsonl"
    with pytest.raises(httpx.ConnectError):
        asyncio.run(launch.seed(urls, journal, marketplace.token, SCALE,
                                client=lambda: httpx.AsyncClient(transport=_Unplugged(60))))
    first = [json.loads(line) for line in journal.read_text().splitlines()]
    assert 0 < len(first) < 60

    summary = asyncio.run(launch.seed(urls, journal, marketplace.token, SCALE))
    assert summary["suppliers"] == 12 and summary["products"] == 30 and summary["inquiries"] == 40
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    assert len({(e["phase"], e["i"]) for e in entries}) == len(entries)  # no request recorded twice

    received = [datetime.fromisoformat(e["answer"]["received_at"]) for e in entries if e["phase"] == "past-inquiries"]
    assert len(received) == 40 and min(received) < datetime.now(UTC) - timedelta(days=60)  # spread over months

    def settled():
        page = httpx.get(f"{urls['showcase']}/api/countries/ma", params={"per_page": 100}, timeout=10).json()
        month_ago = datetime.now(UTC) - timedelta(days=30)
        assert page["headline"]["verified_suppliers"] == summary["verified"]
        assert page["headline"]["inquiries_30d"] == sum(at > month_ago for at in received)
        assert page["headline"]["products"] == summary["products"]

    wait_for(settled, timeout=60)

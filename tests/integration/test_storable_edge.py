"""Values the store cannot hold are a readable 422 at the HTTP edge, not a 500 from the driver."""

from __future__ import annotations

import json

from services.catalogue.main import Settings as CatalogueSettings
from services.catalogue.main import build as build_catalogue
from services.inquiries.main import Settings as InquiriesSettings
from services.inquiries.main import build as build_inquiries
from tests import factories
from tests.integration.helpers import serving
from tests.integration.test_inquiries import ask


async def test_an_integer_beyond_64_bits_in_moq_or_quantity_is_a_readable_422(settings_for, unique):
    listing = factories.listing().model_dump(mode="json") | {"moq": 2**64}
    async with serving(build_catalogue(settings_for(CatalogueSettings))) as http:
        answer = await http.post("/products", json={"supplier_id": f"sup-{unique}", "listing": listing})
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"] == "invalid request"
        assert answer.json()["message"].startswith("body.listing.moq: 18446744073709551616 is beyond the 64-bit")
    async with serving(build_inquiries(settings_for(InquiriesSettings))) as http:
        answer = await http.post("/inquiries", json=ask(f"prd-{unique}") | {"quantity": 2**70})
        assert answer.status_code == 422 and answer.json()["problems"][0]["field"] == "body.quantity", answer.text


async def test_nesting_deeper_than_the_store_allows_is_a_readable_422(settings_for):
    deep = json.dumps(ask(None))[:-1] + ', "extra": ' + "[" * 3000 + "]" * 3000 + "}"  # json.loads recurses
    async with serving(build_inquiries(settings_for(InquiriesSettings))) as http:
        answer = await http.post("/inquiries", content=deep, headers={"content-type": "application/json"})
        assert answer.status_code == 422, answer.text
        assert "nested more than 32 levels" in answer.json()["message"]

"""A service configured for a replica set (majority write and read concern) works against the real store."""

from pymongo import AsyncMongoClient

from services.onboarding.main import Settings, build
from tests.integration.helpers import serving
from tests.integration.test_onboarding import application


async def test_majority_write_and_read_concern_on_the_real_store(settings_for, issuer):
    settings = settings_for(Settings).model_copy(update={"mongodb_write_concern": "majority",
                                                          "mongodb_read_concern": "majority"})
    app = build(settings)
    assert app.state.runtime.client.write_concern.document == {"w": "majority"}
    assert app.state.runtime.client.read_concern.level == "majority"
    async with serving(app) as http:
        created = await http.post("/suppliers", json=application(), headers=issuer.auth("partner:clementia"))
        assert created.status_code == 201, created.text
        fetched = await http.get(f"/suppliers/{created.json()['supplier_id']}", headers=issuer.auth("staff"))
        assert fetched.status_code == 200 and fetched.json()["status"] == "submitted"


async def test_reading_a_collection_larger_than_a_wire_message(infrastructure, unique):
    """A find without a batch size reads a collection of 60 MB (launch scale holds such ones): the store answers in
    MongoDB's batches (101 documents first, at most 16 MiB each), never in one reply over the 48 MB a message may be."""
    client = AsyncMongoClient(infrastructure.mongodb)
    listings = client[f"big_{unique}"]["products"]
    try:
        filler = "x" * 200_000
        for start in range(0, 300, 50):
            await listings.insert_many([{"_id": f"prd-{n:03}", "description": filler} for n in range(start, start + 50)])
        cursor = listings.find({})
        first = await cursor.to_list(101)
        assert len(first) == 101 and first[0]["_id"] == "prd-000"
        rest = await cursor.to_list(None)
        assert [d["_id"] for d in first + rest] == [f"prd-{n:03}" for n in range(300)]
        assert len(await listings.find({}, batch_size=7).to_list(None)) == 300
    finally:
        await client.drop_database(f"big_{unique}")
        await client.close()

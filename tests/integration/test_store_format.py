"""The local store writes documents and unique-index keys as BSON (deploy/local/store/BsonTypes.java). A file written
before that by Java serialization, and ordered by it, still opens: its documents read as they were and its unique
indexes are rewritten once into the new key order, so a duplicate is still refused. The fixture is such a file
(300 suppliers of one database, `_id` and a unique compound index), made by the launcher before BsonTypes."""

import datetime
import gzip
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from bson import Decimal128
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from deploy.local import stack
from deploy.local import store_server as store

FIXTURE = Path(__file__).parent / "fixtures" / "store-before-bson-types.mv.db.gz"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Store:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, _free_port()
        self.process: subprocess.Popen | None = None

    async def __aenter__(self) -> AsyncMongoClient:
        self.process = subprocess.Popen(store.command(stack.HOME, self.port, self.folder),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = AsyncMongoClient(f"mongodb://127.0.0.1:{self.port}/", serverSelectionTimeoutMS=30_000)
        await self.client.admin.command("ping")
        return self.client

    async def __aexit__(self, *exc) -> None:
        await self.client.close()
        self.process.kill()  # kill -9: what was acknowledged must be in the file
        self.process.wait()


@pytest.fixture
def legacy_file(infrastructure, tmp_path) -> Path:  # infrastructure: the store is provisioned and compiled
    with gzip.open(FIXTURE) as packed, open(tmp_path / "store.mv.db", "wb") as file:
        shutil.copyfileobj(packed, file)
    return tmp_path


async def test_a_file_written_before_bson_types_opens_and_keeps_its_unique_keys(legacy_file):
    for _ in range(2):  # the rewrite, then a file already in the new order
        async with _Store(legacy_file) as client:
            suppliers = client.tijara_onboarding.suppliers
            assert await suppliers.count_documents({}) >= 300
            found = await suppliers.find_one({"_id": "sup-0123"})
            assert found["name_ar"] == "تعاونية" and found["capital"] == Decimal128("123.50")
            assert found["founded"] == datetime.datetime(2020, 1, 1) + datetime.timedelta(days=123)
            assert found["certifications"] == [{"scheme": "ONSSA", "valid": True}]
            assert (await suppliers.find_one({"country": "MA", "registration": f"{299:015}"}))["_id"] == "sup-0299"
            with pytest.raises(DuplicateKeyError):
                await suppliers.insert_one({"_id": "sup-0007", "country": "TN", "registration": "x"})
            with pytest.raises(DuplicateKeyError):
                await suppliers.insert_one({"_id": "sup-new", "country": "MA", "registration": f"{7:015}"})
            await suppliers.update_one({"_id": "sup-0010"}, {"$inc": {"version": 1}})
    async with _Store(legacy_file) as client:
        assert (await client.tijara_onboarding.suppliers.find_one({"_id": "sup-0010"}))["version"] == 12


async def test_unique_keys_in_mongodb_value_order(infrastructure, unique):
    """Keys of mixed types in one unique index: equal numbers of different types are one key (as in MongoDB),
    everything else distinct, each found by equality after many inserts have split the index's pages."""
    client = AsyncMongoClient(infrastructure.mongodb)
    listings = client[f"keys_{unique}"]["listings"]
    try:
        await listings.create_index("code", unique=True)
        codes = [f"hs-{n:05}" for n in range(2000)] + list(range(2000)) + [{"hs": 8, "sub": "0410"}, None]
        await listings.insert_many([{"_id": n, "code": code} for n, code in enumerate(codes)])
        with pytest.raises(DuplicateKeyError):
            await listings.insert_one({"_id": "again", "code": 1999.0})  # the same number as 1999
        for n in (0, 1500, 2000, 3999, 4000, 4001):
            assert (await listings.find_one({"code": codes[n]}))["_id"] == n
    finally:
        await client.drop_database(f"keys_{unique}")
        await client.close()

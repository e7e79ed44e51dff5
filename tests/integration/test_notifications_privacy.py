"""notifications' copies of sent messages on the real store and Mailpit: retention with a shortened period erases the
copies that are due and nothing else (a dry run first), an erasure finds the copies sent to the person and those
about the person's inquiries sent to others, and reports the same when asked again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.privacy import MessagePersonalData
from shared.storage.mongo import connect
from tests.integration.test_notifications import World

pytestmark = pytest.mark.integration


@pytest.fixture
async def world(infrastructure, unique, mailbox):
    client = connect(infrastructure.mongodb)
    world = World(client[f"it_{unique}_notifications"], mailbox)
    await world.store.ensure_indexes()
    yield world
    await world.channel.close()
    await client.close()


async def test_retention_then_erasure_of_sent_message_copies(world) -> None:
    data = MessagePersonalData(world.store, "test-secret", timedelta(days=1))
    sid = world.supplier()
    for n in (1, 2):
        await world.notifications.on_inquiry(world.inquiry(sid, n))
    assert await world.sender.send_due() == 2
    first, second = sorted(await world.store.messages.find({}).to_list(), key=lambda m: m["facts"]["inquiry_id"])
    await world.store.messages.update_one({"_id": first["_id"]},
                                          {"$set": {"created_at": datetime.now(UTC) - timedelta(days=2)}})

    dry = await data.apply_retention(dry_run=True)
    assert dry.due == [f"message {first['_id']}"] and dry.erased == []
    assert (await world.store.get(first["_id"]))["rendered"]["to"] == f"{sid}@safi.example.ma"
    done = await data.apply_retention()
    assert done.erased == [f"message {first['_id']}"]
    purged = await world.store.get(first["_id"])
    assert "rendered" not in purged and purged["status"] == "sent" and purged["message_id"]  # outcome kept
    assert (await world.store.get(second["_id"]))["rendered"]["text"]

    buyer = world.directory.inquiries[second["facts"]["inquiry_id"]]["contact_email"]
    exported = await data.export(buyer, [f"inquiry {second['facts']['inquiry_id']}"])
    assert [r["record"] for r in exported.records] == [f"message {second['_id']}"]  # the supplier's copy, about them
    report = await data.erase(buyer, [f"inquiry {second['facts']['inquiry_id']}"])
    assert report.records == [f"message {second['_id']}"] and not report.already_erased
    again = await data.erase(buyer, [f"inquiry {second['facts']['inquiry_id']}"])
    assert again.model_dump() == {**report.model_dump(), "already_erased": True}
    assert await world.store.messages.find({"rendered": {"$exists": True}}).to_list() == []
    assert (await data.export(buyer, [])).records == []

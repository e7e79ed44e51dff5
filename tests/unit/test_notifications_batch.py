"""A sending batch asks each owner once: the batch's suppliers in one request, its inquiries in another; an inquiry
missing from that answer (its buyer erased) has nobody to write to, a supplier missing from it is unknown, as the
single reads' 404 say; a supplier whose contact was erased has no address, as before."""

from __future__ import annotations

import asyncio

import pytest

from services.notifications.channels import PermanentFailure, TransientFailure
from services.notifications.contacts import Batch, BuyerErased, NoContact
from services.notifications.domain import Recipient


class Owners:
    """contacts.Contacts' reads, in memory, counting the requests."""

    def __init__(self, fail: bool = False) -> None:
        self.asked: list[tuple] = []
        self.fail = fail

    async def supplier(self, supplier_id):
        self.asked.append(("supplier", supplier_id))
        await asyncio.sleep(0)
        return {"email": f"{supplier_id}@safi.example.ma", "language": "ar"}

    async def suppliers(self, supplier_ids):
        self.asked.append(("suppliers", tuple(supplier_ids)))
        await asyncio.sleep(0)
        if self.fail:
            raise TransientFailure("onboarding unreachable")
        return {i: {"supplier_id": i, "email": None if i == "sup-erased" else f"{i}@safi.example.ma",
                    "language": "ar"} for i in supplier_ids if i != "sup-unknown"}

    async def correspondences(self, inquiry_ids):
        self.asked.append(("many", tuple(inquiry_ids)))
        await asyncio.sleep(0)
        if self.fail:
            raise TransientFailure("inquiries unreachable")
        return {i: {"inquiry_id": i, "contact_email": f"{i}@atlantic.example.com"} for i in inquiry_ids
                if i != "inq-erased"}

    async def correspondence(self, inquiry_id):
        self.asked.append(("one", inquiry_id))
        return {"inquiry_id": inquiry_id, "contact_email": "late@atlantic.example.com"}


async def test_each_owner_is_asked_once_for_the_batch() -> None:
    owners = Owners()
    batch = Batch(owners, ["inq-1", "inq-2", "inq-erased"], ["sup-1", "sup-2", "sup-erased", "sup-unknown"])
    contacts = await asyncio.gather(*[batch.contact(Recipient.parse(r)) for r in
                                      ("supplier:sup-1", "supplier:sup-1", "supplier:sup-2", "buyer:inq-1",
                                       "buyer:inq-2")],
                                    batch.correspondence("inq-1"), batch.supplier("sup-1"))
    assert [c[0].address for c in contacts[:5]] == ["sup-1@safi.example.ma"] * 2 + ["sup-2@safi.example.ma",
        "inq-1@atlantic.example.com", "inq-2@atlantic.example.com"]
    assert contacts[0][0].language == "ar"
    assert sorted(owners.asked) == [("many", ("inq-1", "inq-2", "inq-erased")),
                                    ("suppliers", ("sup-1", "sup-2", "sup-erased", "sup-unknown"))]
    with pytest.raises(NoContact, match="sup-erased"):  # its contact erased: suppressed, as before
        await batch.contact(Recipient.parse("supplier:sup-erased"))
    with pytest.raises(PermanentFailure, match="sup-unknown"):  # as the single read's 404: failed with the reason
        await batch.supplier("sup-unknown")
    assert (await batch.supplier("sup-9"))["email"] == "sup-9@safi.example.ma"  # not foreseen: asked alone
    assert len(owners.asked) == 3 and owners.asked[-1] == ("supplier", "sup-9")
    with pytest.raises(BuyerErased, match="inq-erased") as erased:
        await batch.correspondence("inq-erased")
    assert isinstance(erased.value, NoContact)  # suppressed by the sender, never failed nor sent
    assert (await batch.correspondence("inq-9"))["contact_email"] == "late@atlantic.example.com"  # not foreseen


async def test_an_owner_unreachable_fails_each_message_of_the_batch_transiently() -> None:
    owners = Owners(fail=True)
    batch = Batch(owners, ["inq-1", "inq-2"], ["sup-1", "sup-2"])
    outcomes = await asyncio.gather(batch.correspondence("inq-1"), batch.correspondence("inq-2"),
                                    batch.supplier("sup-1"), batch.supplier("sup-2"), return_exceptions=True)
    assert all(isinstance(o, TransientFailure) for o in outcomes) and len(owners.asked) == 2

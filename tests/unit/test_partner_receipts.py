"""A partner's reads, pure parts: the opaque cursor of its receipts, and what it may send next about a supplier."""

from datetime import UTC, datetime

import pytest

from services.partners import receipts
from services.partners.domain import PartnerKind, new_partner
from shared.contracts.partners import PartnerEndorsement


def test_the_cursor_round_trips_and_refuses_what_we_did_not_give() -> None:
    position = (datetime(2026, 12, 6, 9, 30, 1, 123000, tzinfo=UTC), "cmd-0123456789abcdef")
    cursor = receipts.encode_cursor(position)
    assert "=" not in cursor and receipts.decode_cursor(cursor) == position
    for forged in ("", "not-a-cursor", "bm90LWEtY3Vyc29y", receipts.encode_cursor((position[0], "x"))[:-2],
                   receipts.encode_cursor((datetime(2026, 1, 1, tzinfo=UTC), "$gt"))):
        with pytest.raises(receipts.BadCursor):
            receipts.decode_cursor(forged)


def test_a_supplier_view_says_what_the_partner_may_send_now() -> None:
    amdie = new_partner("amdie", "AMDIE", PartnerKind.EXPORT_AGENCY, organisation="AMDIE")
    doc = {"_id": "sup-1", "status": "documents-verified", "trade_name": "Argane Souss", "submitted_by": "clementia"}
    view = receipts._supplier_view(amdie, doc)
    assert view["may_send"] == [PartnerEndorsement.TYPE] and not view["applied_by_you"]
    assert receipts._supplier_view(amdie, doc | {"status": "submitted"})["may_send"] == []

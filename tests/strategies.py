"""Hypothesis strategies: a marketplace's whole event history, and that history delivered in any order with
duplicates (what at-least-once delivery over several partitions can do). `Expected` is the oracle: what the
page must show, computed from each aggregate's last event directly rather than through the projection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import strategies as st

from services.showcase.model.taxonomy import NORTH_AMERICA
from shared.contracts.envelope import Event
from shared.contracts.inquiries import InquiryClosed, InquiryReceived, InquiryResponded
from shared.contracts.products import ProductDelisted, ProductListed
from shared.contracts.suppliers import (
    SupplierApplicationSubmitted,
    SupplierDocumentsVerified,
    SupplierEndorsed,
    SupplierInspected,
    SupplierReinstated,
    SupplierRejected,
    SupplierStatus,
    SupplierSuspended,
    SupplierVerificationExpired,
    SupplierVerified,
    VerificationLevel,
)
from tests.factories import NOW, listing, profile

S = SupplierStatus
CATEGORIES = [("argan-and-cosmetics", "Souss-Massa"), ("seafood", "Marrakech-Safi"), ("handicrafts", "Fès-Meknès")]
COUNTRIES = ["US", "CA", "FR", "DE", "AE"]


def supplier_event(sid: str, seq: int, status: S, level: VerificationLevel) -> Event:
    facts = {"supplier_id": sid, "sequence": seq, "occurred_at": NOW, "status": status, "verification_level": level,
             "profile": profile(trade_name=f"Trader {sid}", ice=f"{100000000000000 + seq:015d}")}
    if status is S.VERIFIED:
        return (SupplierReinstated(**facts) if seq % 2 else
                SupplierVerified(**facts, verified_at=NOW, valid_until=NOW + timedelta(days=300)))
    return {
        S.SUBMITTED: lambda: SupplierApplicationSubmitted(**facts),
        S.DOCUMENTS_VERIFIED: lambda: SupplierDocumentsVerified(**facts, reviewer="kyc"),
        S.ENDORSED: lambda: SupplierEndorsed(**facts, agency="ASMEX"),
        S.INSPECTED: lambda: SupplierInspected(**facts, body="SGS", report_id="r", inspected_on=NOW,
                                               report_valid_until=NOW + timedelta(days=365)),
        S.REJECTED: lambda: SupplierRejected(**facts, reason="no"),
        S.SUSPENDED: lambda: SupplierSuspended(**facts, reason="complaint"),
        S.EXPIRED: lambda: SupplierVerificationExpired(**facts, expired_at=NOW),
    }[status]()


@dataclass
class Expected:
    verified: set[str] = field(default_factory=set)
    visible_products: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)
    inquiries_30d: int = 0
    north_america: int = 0
    answered_in_24h: dict[str, int] = field(default_factory=dict)


@st.composite
def histories(draw) -> tuple[list[Event], Expected]:
    events: list[Event] = []
    expected = Expected()
    final_status: dict[str, S] = {}
    for i in range(draw(st.integers(1, 4))):
        sid = f"sup-{i}"
        statuses = draw(st.lists(st.sampled_from(list(S)), min_size=1, max_size=4))
        levels = draw(st.lists(st.sampled_from(list(VerificationLevel)), min_size=len(statuses),
                               max_size=len(statuses)))
        events += [supplier_event(sid, n + 1, s, lv) for n, (s, lv) in enumerate(zip(statuses, levels))]
        final_status[sid] = statuses[-1]
        if statuses[-1] is S.VERIFIED:
            expected.verified.add(sid)
    sids = sorted(final_status)
    for i in range(draw(st.integers(0, 6))):
        pid, sid = f"prd-{i}", draw(st.sampled_from(sids))
        category, region = draw(st.sampled_from(CATEGORIES))
        item = listing(category=category, origin_region=region, moq=50).on_the_wire()
        flags = draw(st.lists(st.booleans(), min_size=1, max_size=3))
        for n, listed in enumerate(flags):
            facts = {"product_id": pid, "supplier_id": sid, "sequence": n + 1, "occurred_at": NOW, "listing": item}
            events.append(ProductListed(**facts) if listed else ProductDelisted(**facts, reason="paused"))
        if flags[-1] and sid in expected.verified:
            expected.visible_products.add(pid)
            expected.categories.add(category)
    for i in range(draw(st.integers(0, 8))):
        iid, sid = f"inq-{i}", draw(st.sampled_from(sids))
        country = draw(st.sampled_from(COUNTRIES))
        received = NOW - timedelta(days=draw(st.integers(0, 40)), hours=draw(st.integers(0, 23)))
        answer_hours = draw(st.one_of(st.none(), st.integers(1, 48)))
        facts = {"inquiry_id": iid, "supplier_id": sid, "occurred_at": received, "buyer_country": country,
                 "received_at": received}
        events.append(InquiryReceived(**facts, sequence=1, buyer_company="Buyer", quantity=1, unit="kg"))
        responded = received + timedelta(hours=answer_hours) if answer_hours else None
        if responded:
            events.append(InquiryResponded(**facts, sequence=2, responded_at=responded))
        if draw(st.booleans()):
            events.append(InquiryClosed(**facts, sequence=3, responded_at=responded, closed_at=NOW))
        if sid in expected.verified and received >= NOW - timedelta(days=30):
            expected.inquiries_30d += 1
            expected.north_america += country in NORTH_AMERICA
            in_time = responded is not None and answer_hours <= 24
            expected.answered_in_24h[sid] = expected.answered_in_24h.get(sid, 0) + in_time
    return events, expected


@st.composite
def deliveries(draw) -> tuple[list[Event], list[Event], Expected]:
    """(events in order, the same delivered shuffled with duplicates, expected page)."""
    events, expected = draw(histories())
    duplicates = draw(st.lists(st.sampled_from(events), max_size=len(events)))
    delivered = draw(st.permutations(events + duplicates))
    return events, delivered, expected

"""The replicas fault test's ledger counts what it must: a gap is lost, a second event id for a sequence (or one
past the aggregate's version) a duplicated effect, a copy of the same event id on the wire nothing."""

import json
from types import SimpleNamespace

from tests.faults.replicas import Ledger


def _record(subject: str, sequence: int, ce_id: str, ce_type: str = "ma.tijara.supplier.endorsed.v1"):
    headers = [("ce_subject", subject.encode()), ("ce_id", ce_id.encode()), ("ce_type", ce_type.encode())]
    return SimpleNamespace(headers=headers, value=json.dumps({"supplier_id": subject, "sequence": sequence}))


def test_gaps_are_lost_second_event_ids_duplicated_and_wire_copies_absorbed():
    records = [_record("s1", 1, "a"), _record("s1", 2, "b"), _record("s1", 2, "b"),  # a copy on the wire: fine
               _record("s2", 1, "c"), _record("s2", 3, "d"),  # 2 missing
               _record("s3", 1, "e"), _record("s3", 1, "f"),  # the same effect twice
               _record("s4", 1, "g"), _record("s4", 2, "h"),  # past its version
               _record("other", 1, "x")]
    ledger = Ledger.of(records, {"s1", "s2", "s3", "s4"})
    assert ledger.against({"s1": 2}) == (0, 0)
    assert ledger.against({"s2": 3}) == (1, 0)
    assert ledger.against({"s3": 1}) == (0, 1)
    assert ledger.against({"s4": 1}) == (0, 1)
    assert ledger.distinct_events() == 8


def test_messages_owed_follow_the_notifier_rules():
    received = SimpleNamespace(
        headers=[("ce_subject", b"i1"), ("ce_id", b"e1"), ("ce_type", b"ma.tijara.inquiry.received.v1")],
        value=json.dumps({"inquiry_id": "i1", "supplier_id": "s1", "sequence": 1}))
    endorsed = _record("s1", 1, "e2")
    verified = _record("s1", 2, "e3", "ma.tijara.supplier.verified.v1")
    assert len(Ledger.of([received, endorsed, verified], {"i1", "s1"}).expected_messages()) == 2

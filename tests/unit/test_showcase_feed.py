"""The showcase's three readers of the log (the group consumer, the page's follower, the replay) decode a record the
one way: the kernel's decoder (shared.messaging.decoding) through showcase's READERS, the follower and the replay
through `readers.events_of`."""

import inspect
import json
from types import SimpleNamespace

import pytest

from services.showcase import consumers
from services.showcase.feed import readers, replay, tail
from services.showcase.feed.readers import READERS, events_of
from shared.contracts.envelope import Envelope
from shared.messaging.decoding import DecodeOnce, PoisonEvent, decode_record
from tests import factories


def record(event, offset: int, **changes) -> SimpleNamespace:
    envelope = Envelope(event, "/tijara/test")
    value = json.dumps(json.loads(envelope.value()) | changes).encode()
    return SimpleNamespace(topic="t", partition=0, offset=offset, value=value,
                           headers=[(k, v.encode()) for k, v in envelope.headers().items()])


RECORDS = [record(factories.supplier_verified("sup-1"), 0), record(factories.product_listed("p1", "sup-1"), 1),
           record(factories.inquiry_received("i1", "sup-1", "p1", "CA"), 2),
           record(factories.supplier_verified("sup-2"), 3, profile="not a profile"),  # poison: schema-invalid
           SimpleNamespace(topic="t", partition=0, offset=4, value=None, headers=[])]  # a tombstone


def test_the_follower_and_the_replay_read_what_the_group_consumer_reads() -> None:
    consumer = [decode_record(r, READERS).data for r in RECORDS[:3]]  # what EventConsumer hands the handler
    follower, follower_skipped = events_of(RECORDS, DecodeOnce(READERS))
    replayed, replay_skipped = events_of(RECORDS)
    assert follower == replayed == consumer and follower_skipped == replay_skipped == 2
    with pytest.raises(PoisonEvent, match="schema-invalid"):  # the group consumer dead-letters it
        decode_record(RECORDS[3], READERS)


def test_no_reader_of_the_log_in_showcase_decodes_on_its_own() -> None:
    for module in (consumers, tail, replay, readers):
        source = inspect.getsource(module)
        assert "model_validate" not in source and "json.loads" not in source

"""A producer adds an enum value (a new supplier status, sector, region, trade term, ...): every consumer's CURRENT
code reads it without a dead letter. Each message goes through the real consumer path (the service's `register`,
EventConsumer's read + handler + retry/dead-letter) into the real use cases, on in-memory fakes: no servers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker

from services.catalogue import consumers as catalogue_consumers
from services.catalogue.main import Settings as CatalogueSettings
from services.catalogue.service import Catalogue
from services.inquiries import consumers as inquiries_consumers
from services.inquiries.main import Settings as InquiriesSettings
from services.inquiries.service import Inquiries
from services.showcase import consumers as showcase_consumers
from services.showcase.main import Settings as ShowcaseSettings
from services.showcase.service import Showcase
from shared.contracts import gate as contract
from shared.messaging.consumer import EventConsumer
from tests.contract import samples
from tests.fakes import FakeCatalogueStore, FakeInquiryStore, FakeRelay, FakeShowcaseStore, HandledEvents

SCHEMAS = contract.current_schemas()


class DeadLetters:
    """Stands in for the broker the consumer publishes dead letters with."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def publish(self, value: bytes, topic: str, key: bytes | None = None, headers: dict | None = None) -> None:
        self.sent.append({"topic": topic, **(headers or {})})


def catalogue() -> tuple[EventConsumer, Any]:
    store = FakeCatalogueStore()
    consumer = catalogue_consumers.register(KafkaBroker(), Catalogue(store, FakeRelay()), CatalogueSettings(),
                                            HandledEvents())  # type: ignore[arg-type]
    return consumer, lambda: store.suppliers.docs


def inquiries() -> tuple[EventConsumer, Any]:
    store = FakeInquiryStore()
    consumer = inquiries_consumers.register(KafkaBroker(), Inquiries(store, FakeRelay()), InquiriesSettings())
    return consumer, lambda: {**store.suppliers.docs, **store.products.docs}


def showcase() -> tuple[EventConsumer, Any]:
    store = FakeShowcaseStore()
    consumer = showcase_consumers.register(KafkaBroker(), Showcase(store), ShowcaseSettings())
    return consumer, lambda: {i: d for docs in store.model.docs.values() for i, d in docs.items()}


def record(ce_type: str, data: dict, offset: int) -> ConsumerRecord:
    schema = SCHEMAS[ce_type]
    subject = str(data[schema["x-kafka-key"]])
    headers = [("ce_specversion", b"1.0"), ("ce_id", f"evt-{offset}".encode()), ("ce_source", b"/newer-producer"),
               ("ce_type", ce_type.encode()), ("ce_subject", subject.encode())]
    value = json.dumps(data).encode()
    return ConsumerRecord(schema["x-kafka-topic"], 0, offset, 0, 0, subject.encode(), value, None, len(subject),
                          len(value), headers)


@pytest.mark.parametrize("build", [catalogue, inquiries, showcase], ids=["catalogue", "inquiries", "showcase"])
async def test_every_event_with_enum_values_added_is_applied_without_a_dead_letter(build) -> None:
    consumer, applied = build()
    dead_letters = DeadLetters()
    consumer.broker = consumer.dead_letters.broker = dead_letters  # type: ignore[assignment]
    read_types = sorted(t for t in consumer.readers if t in SCHEMAS and not t.endswith("listed.v1"))
    assert read_types, "the consumer reads nothing?"
    for offset, ce_type in enumerate(read_types):
        data = samples.added_enum_values(SCHEMAS[ce_type])
        data[SCHEMAS[ce_type]["x-kafka-key"]] = f"agg-{offset}"  # one aggregate each: every event is applied
        await consumer.consume([record(ce_type, data, offset)])
    assert dead_letters.sent == []
    assert {f"agg-{n}" for n in range(len(read_types))} <= set(applied())


@pytest.mark.parametrize("build", [catalogue, inquiries, showcase], ids=["catalogue", "inquiries", "showcase"])
async def test_an_event_missing_what_the_reader_needs_is_still_dead_lettered(build) -> None:
    consumer, applied = build()
    dead_letters = DeadLetters()
    consumer.broker = consumer.dead_letters.broker = dead_letters  # type: ignore[assignment]
    ce_type = "ma.tijara.supplier.verified.v1" if "ma.tijara.supplier.verified.v1" in consumer.readers else ""
    ce_type = ce_type or "ma.tijara.product.listed.v2"
    data = samples.full(SCHEMAS[ce_type])
    key = SCHEMAS[ce_type]["x-kafka-key"]
    data[key] = "agg-x"
    del data["sequence"]
    await consumer.consume([record(ce_type, data, 0)])
    assert [d["dlq_error_type"] for d in dead_letters.sent] == ["schema-invalid"]
    assert "agg-x" not in applied()  # never half-applied

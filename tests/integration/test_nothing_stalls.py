"""No message can stall a partition: a stuck partition flips readiness and the metric, and back; a ~1 MiB poison
and a tombstone are dead-lettered (the first in a form that fits) and the events after them are applied."""

from __future__ import annotations

import asyncio
import hashlib

from prometheus_client import REGISTRY

from services.showcase.main import Settings, build
from services.showcase.service import Showcase
from shared.contracts.envelope import Envelope
from tests import factories
from tests.integration.helpers import eventually, header, publish, read_until, serving


async def test_a_partition_that_stops_moving_makes_the_service_not_ready_until_it_moves(
        infrastructure, settings_for, unique, monkeypatch):
    stuck, released = f"sup-{unique}-stuck", asyncio.Event()
    original = Showcase.apply

    async def apply_but_hang_on_one_supplier(self, envelope: Envelope) -> None:
        if envelope.subject == stuck:  # the reader model carries no subject: the envelope does (ce_subject)
            await released.wait()  # a handler that never returns: no commit, records waiting behind it
        await original(self, envelope)

    monkeypatch.setattr(Showcase, "apply", apply_but_hang_on_one_supplier)
    settings = settings_for(Settings).model_copy(update={"consumer_stall_seconds": 1.5,
                                                          "consumer_check_seconds": 0.3})
    async with serving(build(settings)) as http:
        [sent] = await publish(infrastructure.kafka, Envelope(factories.supplier_verified(stuck), "/test"))
        where = f"{settings.consumer_group} onboarding.suppliers[{sent.partition}]"
        labels = {"group": settings.consumer_group, "topic": "onboarding.suppliers", "partition": str(sent.partition)}

        async def not_ready():
            answer = await http.get("/readyz")
            assert answer.status_code == 503 and where in answer.json()["stalled_partitions"], answer.text
            assert answer.json()["checks"]["partitions"] is False
            assert REGISTRY.get_sample_value("tijara_partition_stalled", labels) == 1
            assert REGISTRY.get_sample_value("tijara_consumer_lag", labels) >= 1

        await eventually(not_ready, timeout=60)
        released.set()

        async def ready_again():
            answer = await http.get("/readyz")
            assert answer.status_code == 200, answer.text
            assert REGISTRY.get_sample_value("tijara_partition_stalled", labels) == 0
            assert REGISTRY.get_sample_value("tijara_consumer_lag", labels) == 0

        await eventually(ready_again, timeout=30)


async def test_a_one_mebibyte_poison_and_a_tombstone_are_dead_lettered_and_what_follows_is_applied(
        infrastructure, settings_for, unique):
    sup, prd, inq = f"sup-{unique}", f"prd-{unique}", f"inq-{unique}"
    poison_value = b"[" + b'"x",' * 259_999 + b'"x"]'  # ~1 MiB of JSON that is no event (an array)
    assert 1_000_000 < len(poison_value) < 1_048_576
    headers = {"ce_specversion": "1.0", "ce_id": f"poison-{unique}", "ce_source": "/somewhere",
               "ce_type": "ma.tijara.inquiry.received.v1"}
    async with serving(build(settings_for(Settings))) as http:
        await publish(infrastructure.kafka, Envelope(factories.supplier_verified(sup), "/test"),
                      Envelope(factories.product_listed(prd, sup), "/test"),
                      raw=[("inquiries.inquiries", inq.encode(), poison_value, headers),
                           ("inquiries.inquiries", inq.encode(), None, {})])
        await publish(infrastructure.kafka, Envelope(factories.inquiry_received(inq, sup, prd), "/test"))

        async def inquiry_applied():
            card = (await http.get(f"/api/countries/ma/suppliers/{sup}")).json().get("supplier")
            assert card and card["inquiries_30d"] == 1, card

        await eventually(inquiry_applied, timeout=60)

        # the dead letters while the showcase still runs: its page follows the log itself, so the page showing
        # the inquiry does not mean the consumer group has reached the poison yet
        dead = await read_until(infrastructure.kafka, "inquiries.inquiries.dlq",
                                lambda r: header(r, "ce_id") == f"poison-{unique}")
        assert header(dead, "dlq_error_type") in {"undecodable", "schema-invalid"}
        assert header(dead, "dlq_truncated") == "true" and len(dead.value) == 64 * 1024
        assert header(dead, "dlq_original_size") == str(len(poison_value))
        assert header(dead, "dlq_original_sha256") == hashlib.sha256(poison_value).hexdigest()
        tombstone = await read_until(infrastructure.kafka, "inquiries.inquiries.dlq",
                                     lambda r: r.key == inq.encode() and header(r, "dlq_error_type") == "tombstone")
        assert tombstone.value == b"" and header(tombstone, "dlq_original_topic") == "inquiries.inquiries"

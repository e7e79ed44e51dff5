"""No message can stall a partition unseen: a stuck partition flips readiness and the metric, and back."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from services.showcase.main import Settings, build
from services.showcase.service import Showcase
from shared.events import Envelope
from tests import factories
from tests.integration.helpers import eventually, publish, serving


async def test_a_partition_that_stops_moving_makes_the_service_not_ready_until_it_moves(
        infrastructure, settings_for, unique, monkeypatch):
    stuck, released = f"sup-{unique}-stuck", asyncio.Event()
    original = Showcase.apply

    async def apply_but_hang_on_one_supplier(self, envelope: Envelope) -> None:
        if envelope.data.subject == stuck:
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

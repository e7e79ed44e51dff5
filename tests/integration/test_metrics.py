"""What operators alert on, measured on the real servers: HTTP rate/latency/status per route template with an
access log carrying the trace id, and dead-letter depth read from the broker."""

from __future__ import annotations

import json
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import REGISTRY

from services.onboarding.main import Settings as OnboardingSettings
from services.onboarding.main import build as build_onboarding
from services.showcase.main import Settings as ShowcaseSettings
from services.showcase.main import build as build_showcase
from shared.telemetry.logs import _JsonFormatter
from tests.integration.helpers import eventually, publish, serving


def _sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_http_requests_are_counted_per_route_template_and_logged_with_the_trace_id(settings_for, issuer):
    route = {"service": "onboarding", "route": "/suppliers/{supplier_id}", "method": "GET"}
    before = _sample("tijara_http_requests_total", **route, status="404")
    timed_before = _sample("tijara_http_request_seconds_count", **route)
    kept = _Kept()
    async with serving(build_onboarding(settings_for(OnboardingSettings))) as http:
        logging.getLogger("tijara.access").addHandler(kept)
        try:
            assert (await http.get("/suppliers/sup-nobody", headers=issuer.auth("staff"))).status_code == 404
            assert (await http.get("/no/such/path")).status_code == 404
        finally:
            logging.getLogger("tijara.access").removeHandler(kept)
    assert _sample("tijara_http_requests_total", **route, status="404") == before + 1
    assert _sample("tijara_http_request_seconds_count", **route) == timed_before + 1
    assert _sample("tijara_http_requests_total", service="onboarding", route="unmatched", method="GET",
                   status="404") >= 1
    [line] = [r for r in kept.records if "/suppliers/sup-nobody" in r.getMessage()]
    assert '"GET /suppliers/sup-nobody" 404' in line.getMessage()
    assert line.route == "/suppliers/{supplier_id}" and len(line.trace_id) == 32
    as_json = json.loads(_JsonFormatter().format(line))
    assert as_json["trace_id"] == line.trace_id and as_json["status"] == 404 and as_json["route"] == line.route


async def _depth_on_the_broker(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        end, start = await consumer.end_offsets(partitions), await consumer.beginning_offsets(partitions)
        return sum(end[p] - start[p] for p in partitions)
    finally:
        await consumer.stop()


async def test_dead_letter_depth_is_read_from_the_broker(infrastructure, settings_for, unique):
    settings = settings_for(ShowcaseSettings).model_copy(update={"consumer_check_seconds": 0.3})
    async with serving(build_showcase(settings)):
        poison = {"ce_specversion": "1.0", "ce_id": f"poison-{unique}", "ce_source": "/partner",
                  "ce_type": "ma.tijara.product.listed.v2"}
        await publish(infrastructure.kafka, raw=[("catalogue.products", b"k", b"[1, 2]", poison)])

        async def measured():
            on_broker = await _depth_on_the_broker(infrastructure.kafka, "catalogue.products.dlq")
            assert on_broker >= 1
            assert _sample("tijara_dead_letters_depth", topic="catalogue.products.dlq") == on_broker

        await eventually(measured, timeout=30)

"""One staff request followed through a real trace backend: Jaeger v2 (built from its Go module, in-memory storage,
deploy/local/jaeger.py) receives OTLP from onboarding, catalogue and the showcase, run as an operator runs them with
the standard OTEL_* variables and the production sampler (parent-based, 1 % of the traces that start here).

The staff console is the caller that decided to sample: `POST /suppliers/{id}/suspension` carries a `traceparent`
with the sampled flag, so every hop follows it. Through Jaeger's query API the test finds that one trace holding
onboarding's server span (child of the caller's span), its writes, its relay's message (FastStream's
`<topic> create` producer span, whose context the Kafka headers carry) and send, catalogue's delisting writes and
its relay's message (children of onboarding's message), and the showcase's projection writes (children of
catalogue's message), each in its service.
"""

from __future__ import annotations

import secrets
import uuid

import httpx
import pytest

from deploy.local.jaeger import Jaeger
from deploy.local.marketplace import Marketplace
from tests import factories
from tests.e2e.conftest import _OFFSET, _ephemeral, _free, e2e_ports
from tests.e2e.test_marketplace_flow import post_until, wait_for
from tests.integration.test_onboarding import application

pytestmark = pytest.mark.e2e
SERVICES = ("onboarding", "catalogue", "showcase")
WRITES = {"insert", "update", "findAndModify", "delete"}


@pytest.fixture
def traced(infrastructure, tmp_path):
    jaeger = Jaeger(tmp_path / "jaeger", _ephemeral(), _ephemeral())
    jaeger.start()
    ports = {name: port for name, port in e2e_ports().items() if name in SERVICES}
    market = Marketplace(infrastructure.kafka, infrastructure.mongodb, ports=ports, log_dir=tmp_path / "logs",
                         issuer_port=18104 + _OFFSET if _free(18104 + _OFFSET) else _ephemeral(),
                         database_prefix=f"traces_{uuid.uuid4().hex[:6]}",
                         extra_env={"OUTBOX_POLL_SECONDS": "0.5", "KAFKA_TOPIC_PREFIX": f"tr-{uuid.uuid4().hex[:6]}.",
                                    "OTEL_EXPORTER_OTLP_ENDPOINT": jaeger.otlp_endpoint,
                                    "OTEL_TRACES_SAMPLER": "",  # unset: the production default
                                    "OTEL_BSP_SCHEDULE_DELAY": "200"})  # export every 200 ms (default 5 s)
    try:
        market.start()
        market.wait_ready(120)
        yield market, jaeger
    finally:
        market.stop()
        jaeger.stop()


def _listed_supplier(market: Marketplace) -> tuple[str, str]:
    onboarding, staff = market.url("onboarding"), market.auth("staff")
    created = httpx.post(f"{onboarding}/suppliers", json=application(), headers=market.auth("partner:clementia"))
    assert created.status_code == 201, created.text
    supplier_id = created.json()["supplier_id"]
    for step, body in (("documents-verification", {"reviewer": "kyc"}), ("verification", {"decision": "verified"})):
        answer = httpx.post(f"{onboarding}/suppliers/{supplier_id}/{step}", json=body, headers=staff, timeout=10)
        assert answer.status_code == 200, answer.text
    product_id = post_until(f"{market.url('catalogue')}/products", {
        "supplier_id": supplier_id, "listing": factories.listing().model_dump(mode="json")}, 201,
        headers=market.auth(f"supplier:{supplier_id}")).json()["product_id"]
    return supplier_id, product_id


def _on_page(market: Marketplace, supplier_id: str, product_id: str, expected: bool) -> None:
    page = httpx.get(f"{market.url('showcase')}/api/countries/ma/suppliers/{supplier_id}", timeout=10).json()
    assert (product_id in {p["product_id"] for p in page.get("products", [])}) is expected, page


def test_one_suspension_is_one_trace_through_every_hop_in_jaeger(traced):
    market, jaeger = traced
    supplier_id, product_id = _listed_supplier(market)
    wait_for(lambda: _on_page(market, supplier_id, product_id, True), 60)

    trace_id, caller = secrets.token_hex(16), secrets.token_hex(8)
    suspended = httpx.post(f"{market.url('onboarding')}/suppliers/{supplier_id}/suspension",
                           json={"reason": "complaint"}, timeout=10,
                           headers=market.auth("staff") | {"traceparent": f"00-{trace_id}-{caller}-01"})
    assert suspended.status_code == 200, suspended.text
    wait_for(lambda: _on_page(market, supplier_id, product_id, False), 60)

    def every_hop() -> dict[str, dict]:
        spans = jaeger.trace(trace_id)
        by_id = {s["span_id"]: s for s in spans}

        def one(service: str, test) -> dict:
            found = [s for s in spans if s["service"] == f"tijara-{service}" and test(s)]
            assert found, f"no such span of {service} in the trace: {sorted((s['service'], s['name']) for s in spans)}"
            return found[0]

        def writes(service: str, parent: dict) -> list[dict]:
            return [s for s in spans if s["service"] == f"tijara-{service}" and s["parent_id"] == parent["span_id"]
                    and s["tags"].get("db.statement") in WRITES]

        request = one("onboarding", lambda s: s["name"] == "POST /suppliers/{supplier_id}/suspension")
        assert request["kind"] == "server" and request["parent_id"] == caller, request
        # FastStream's producer spans: "<topic> create" per message (its context travels in the Kafka headers),
        # and "<topic> publish" for the send, under it
        relayed = one("onboarding", lambda s: s["name"].endswith("onboarding.suppliers create"))
        delisted = one("catalogue", lambda s: s["name"].endswith("catalogue.products create"))
        assert relayed["parent_id"] == request["span_id"], f"the relay sends in the request's context: {_tree(spans)}"
        assert delisted["parent_id"] == relayed["span_id"], f"catalogue's event is caused by onboarding's: {_tree(spans)}"
        for created in (relayed, delisted):
            assert [s for s in spans if s["parent_id"] == created["span_id"] and s["name"].endswith(" publish")
                    and s["kind"] == "producer"], f"the send of {created['name']}: {_tree(spans)}"
        assert writes("onboarding", request), "the state and outbox write, in the request's span"
        assert writes("catalogue", relayed), "catalogue's delisting write, in the producer's context"
        assert writes("showcase", delisted), "the showcase's projection write, in catalogue's message's context"
        assert all(s["parent_id"] is None or s["parent_id"] == caller or s["parent_id"] in by_id for s in spans), \
            "every parent is in the trace"
        return {"request": request, "relayed": relayed, "delisted": delisted, "spans": spans}

    hops = wait_for(every_hop, 60)
    services = sorted({s["service"] for s in hops["spans"]})
    print(f"\nJaeger trace {trace_id}: {len(hops['spans'])} spans from {services}")


def _tree(spans: list[dict]) -> str:
    return "".join(f"\n  {s['span_id']} <- {s['parent_id']} {s['service']} {s['name']} {s['kind']}" for s in spans)

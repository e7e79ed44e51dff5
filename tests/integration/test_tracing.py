"""One trace from an HTTP request on onboarding to showcase's projection write, through the outbox, the relay,
Kafka, catalogue's consumer and its own outbox and relay, and showcase's consumer (spans kept in memory); the
consumers' batch spans link into it."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.catalogue.main import Settings as CatalogueSettings
from services.catalogue.main import build as build_catalogue
from services.onboarding.main import Settings as OnboardingSettings
from services.onboarding.main import build as build_onboarding
from services.showcase.main import Settings as ShowcaseSettings
from services.showcase.main import build as build_showcase
from shared.telemetry.tracing import setup_tracing
from tests import factories
from tests.integration.helpers import eventually, serving
from tests.integration.test_onboarding import application


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    setup_tracing("tests").add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


async def test_one_trace_from_a_suspension_request_to_the_showcase_projection_write(settings_for, spans, issuer):
    onboarding_settings, showcase_settings = settings_for(OnboardingSettings), settings_for(ShowcaseSettings)
    async with (serving(build_onboarding(onboarding_settings)) as onboarding,
                serving(build_catalogue(settings_for(CatalogueSettings))) as catalogue,
                serving(build_showcase(showcase_settings)) as showcase):
        staff = issuer.auth("staff")
        supplier_id = (await onboarding.post("/suppliers", json=application(),
                                             headers=issuer.auth("partner:clementia"))).json()["supplier_id"]
        await onboarding.post(f"/suppliers/{supplier_id}/documents-verification", json={"reviewer": "kyc"},
                              headers=staff)
        await onboarding.post(f"/suppliers/{supplier_id}/verification", json={"decision": "verified"}, headers=staff)
        body = {"supplier_id": supplier_id, "listing": factories.listing().model_dump(mode="json")}

        async def listed():
            response = await catalogue.post("/products", json=body, headers=issuer.auth(f"supplier:{supplier_id}"))
            assert response.status_code == 201, response.text
            return response.json()["product_id"]

        product_id = await eventually(listed)

        async def on_page(expected: bool):
            page = (await showcase.get(f"/api/countries/ma/suppliers/{supplier_id}")).json()
            assert (product_id in {p["product_id"] for p in page.get("products", [])}) is expected

        await eventually(lambda: on_page(True))
        spans.clear()
        suspended = await onboarding.post(f"/suppliers/{supplier_id}/suspension", json={"reason": "complaint"},
                                          headers=staff)
        assert suspended.status_code == 200, suspended.text
        await eventually(lambda: on_page(False))
        # the page can change on onboarding's event alone: wait until catalogue's batch is traced too
        await eventually(lambda: _one_trace(spans.get_finished_spans(), onboarding_settings, showcase_settings))


async def _one_trace(finished, onboarding_settings, showcase_settings) -> None:
    request = next(s for s in finished if s.name == "POST /suppliers/{supplier_id}/suspension"
                   and s.kind.name == "SERVER")
    trace_id = request.context.trace_id
    in_trace = [s for s in finished if s.context.trace_id == trace_id]

    def writes_to(database: str) -> list:
        return [s for s in in_trace if s.attributes.get("db.name") == database
                and s.attributes.get("db.statement") in {"insert", "update", "findAndModify"}]

    assert writes_to(onboarding_settings.database), "the state and outbox write runs in the request's trace"
    names = {s.name for s in in_trace}
    assert "onboarding.suppliers publish" in names and "catalogue.products publish" in names, sorted(names)
    # consumers trace per batch: FastStream's "<topic> process" span links to the producer of each message in it
    linked = {s.name for s in finished if s.name.endswith(" process")
              and any(link.context.trace_id == trace_id for link in s.links)}
    assert any(n.endswith("onboarding.suppliers process") for n in linked), sorted(linked)
    assert any(n.endswith("catalogue.products process") for n in linked), sorted(linked)
    assert {s.attributes["db.mongodb.collection"] for s in writes_to(showcase_settings.database)} >= {"products"}


async def test_one_trace_from_an_inquiry_request_to_the_smtp_hand_off(settings_for, spans, infrastructure, mailbox):
    """POST /inquiries on inquiries -> its outbox and relay -> Kafka -> notifications' consumer, which records the
    message with the trace context -> the sender's hand-off to the SMTP server, a span of the same trace; the mail
    carries the context in a header, for whoever follows it further."""
    from services.inquiries.main import Settings as InquiriesSettings
    from services.inquiries.main import build as build_inquiries
    from services.notifications.main import Settings as NotificationsSettings
    from services.notifications.main import build as build_notifications
    from shared.contracts.envelope import Envelope
    from tests.integration.helpers import publish
    from tests.integration.test_notifications import Directory

    inquiries_settings = settings_for(InquiriesSettings)
    notifications_settings = settings_for(NotificationsSettings)
    notifications_settings.kafka_topic_prefix = inquiries_settings.kafka_topic_prefix = f"trace{id(spans)}."
    notifications_settings.smtp.port = mailbox.smtp_port
    notifications_settings.send_poll_seconds = 0.2
    notifications_app = build_notifications(notifications_settings)
    directory = Directory()  # the owners of contacts: onboarding's answer for the supplier, inquiries' for the buyer
    notifications_app.state.notifications.sender.composer.contacts = directory
    supplier_id = f"sup-trace-{id(spans)}"
    directory.suppliers[supplier_id] = {"email": f"{supplier_id}@safi.example.ma", "language": "en"}
    prefix = inquiries_settings.kafka_topic_prefix
    async with serving(build_inquiries(inquiries_settings)) as inquiries, serving(notifications_app):
        await publish(infrastructure.kafka, raw=[(f"{prefix}{e.topic}", e.key, e.value(), e.headers()) for e in [
            Envelope(factories.supplier_verified(supplier_id), "/test"),
            Envelope(factories.product_listed("prd-trace", supplier_id), "/test")]])

        async def asked():
            answer = await inquiries.post("/inquiries", json={
                "product_id": "prd-trace", "buyer_company": "Great Lakes Foods", "buyer_country": "CA",
                "contact_email": "buyer@greatlakes.example.com", "quantity": 10, "unit": "carton", "message": "Hi"})
            assert answer.status_code == 201, answer.text
            return answer.json()["inquiry_id"]

        inquiry_id = await eventually(asked)
        directory.inquiries[inquiry_id] = {"contact_email": "buyer@greatlakes.example.com", "language": "en",
                                           "message": "Hi"}

        async def handed_off():
            sends = [s for s in spans.get_finished_spans() if s.name == "notifications send"
                     and s.status.is_ok]
            assert sends
            return sends[-1]

        send = await eventually(handed_off)
    request = next(s for s in spans.get_finished_spans() if s.name == "POST /inquiries"
                   and s.kind.name == "SERVER" and s.context.trace_id == send.context.trace_id)
    assert request.context.trace_id == send.context.trace_id
    [mail] = mailbox.to(f"{supplier_id}@safi.example.ma")
    traceparent = mailbox.headers(mail["ID"])["X-Tijara-Traceparent"][0]
    assert traceparent.split("-")[1] == format(send.context.trace_id, "032x")

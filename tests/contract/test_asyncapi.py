"""Each service's AsyncAPI document: generated without Kafka, equal to the committed export in docs/asyncapi/, and
covering every topic and event type with its payload schema, CloudEvents headers, Kafka key and consumer group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cli import asyncapi as export
from shared.contracts import asyncapi
from shared.contracts.envelope import Topic
from shared.contracts.partners import PartnerTopic
from shared.contracts.registry import EVENT_TYPES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return {service: json.loads(asyncapi.render(export.service_document(service))) for service in export.SERVICES}


def test_committed_export_is_current(documents) -> None:
    for service, generated in documents.items():
        path = DOCS / f"{service}.json"
        assert path.exists(), f"{path} missing: run `make asyncapi`"
        assert json.loads(path.read_text()) == generated, f"{path} is out of date: run `make asyncapi` and commit it"
        assert yaml.safe_load(path.with_suffix(".yaml").read_text()) == generated, f"{path.stem}.yaml out of date"


def test_every_topic_and_event_type_is_documented(documents) -> None:
    addresses = {c["address"] for d in documents.values() for c in d["channels"].values()}
    expected = {t.value for t in Topic} | {t.value for t in PartnerTopic}
    expected |= {f"{t.value}.dlq" for t in Topic} | {f"{t}.dlq" for t in
                                                     (PartnerTopic.APPLICATIONS, PartnerTopic.ENDORSEMENTS,
                                                      PartnerTopic.INSPECTIONS)}
    assert expected <= addresses, f"undocumented topics: {sorted(expected - addresses)}"
    names = {m["name"] for d in documents.values() for m in d["components"]["messages"].values()}
    assert set(EVENT_TYPES) <= names, f"undocumented event types: {sorted(set(EVENT_TYPES) - names)}"


def test_messages_carry_payload_headers_and_key(documents) -> None:
    for service, doc in documents.items():
        schemas = doc["components"]["schemas"]
        for key, message in doc["components"]["messages"].items():
            assert message["payload"]["$ref"].rsplit("/", 1)[-1] in schemas, (service, key)
            headers = message["headers"]["properties"]
            assert {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject"} <= set(headers)
            assert headers["ce_type"]["const"] == message["name"]
            assert message["bindings"]["kafka"]["key"]["type"] == "string"
        for name, channel in doc["channels"].items():
            assert channel["messages"], f"{service}: channel {name} documents no message"
        for name, operation in doc["operations"].items():
            if operation["action"] == "receive":
                assert operation["bindings"]["kafka"]["groupId"]["enum"] == [f"tijara.{service}"], name


async def test_the_served_document_is_the_exported_one(documents) -> None:
    """GET /asyncapi.json serves the same document (over ASGI without the lifespan: no Kafka, no MongoDB needed)."""
    import httpx

    from services.catalogue.main import Settings, build

    app = build(Settings(kafka_bootstrap_servers="kafka:9092", kafka_topic_prefix="", consumer_group_id=""))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalogue") as http:
        assert (await http.get("/asyncapi.json")).json() == documents["catalogue"]
        page = (await http.get("/asyncapi")).text
    assert "AsyncApiStandalone" in page and "ma.tijara.product.listed.v1" in page

"""The signing test vectors published in docs/partners.md hold for the partner SDK, for the partners service's own
verification code, and for the Node.js example: the guide, the SDK and the server cannot drift apart."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tijara_partner import signing

from services.partners import domain as rules
from tests.partner_vectors import http_vectors, kafka_vectors, vectors

NODE_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner-node" / "check-vectors.mjs"


def test_the_guide_publishes_vectors_for_both_channels_and_non_ascii_bodies() -> None:
    assert len(http_vectors()) >= 2 and len(kafka_vectors()) >= 2
    assert any(not v["body"].isascii() for v in http_vectors())
    assert any(not v["value"].isascii() for v in kafka_vectors())


@pytest.mark.parametrize("v", http_vectors(), ids=lambda v: v["ce_id"])
def test_http_vectors(v: dict[str, str]) -> None:
    key = signing.PartnerKey.parse(v["key"])
    body = v["body"].encode()
    assert v["signed string"] == f"{v['timestamp']}.{v['ce_id']}.{v['ce_type']}.{v['body']}"
    assert signing.request_signature(key.secret, v["timestamp"], v["ce_id"], v["ce_type"], body) \
        == v["X-Tijara-Signature"]
    headers = signing.signed_request_headers(key, v["ce_type"], body, v["ce_id"], int(v["timestamp"]))
    assert headers["X-Tijara-Signature"] == v["X-Tijara-Signature"] and headers["X-Tijara-Key"] == v["key"]
    assert rules.verify(key.secret, v["timestamp"], v["ce_id"], v["ce_type"], body, v["X-Tijara-Signature"])
    for tampered in ({"ce_id": v["ce_id"] + "x"}, {"ce_type": rules.PARTNER_EVENT_TYPES[0] + "x"},
                     {"timestamp": str(int(v["timestamp"]) + 1)}, {"body": body + b" "}):
        claimed = {"timestamp": v["timestamp"], "ce_id": v["ce_id"], "ce_type": v["ce_type"], "body": body} | tampered
        assert not rules.verify(key.secret, **claimed, signature=v["X-Tijara-Signature"]), tampered


@pytest.mark.parametrize("v", kafka_vectors(), ids=lambda v: v["ce_id"])
def test_kafka_vectors(v: dict[str, str]) -> None:
    key = signing.PartnerKey.parse(v["key"])
    value = v["value"].encode()
    assert v["signed string"] == f"{v['ce_id']}.{v['ce_source']}.{v['ce_type']}.{v['value']}"
    assert key.kafka_signing_key == rules.kafka_signing_key(key.secret) == v["kafka signing key"]
    assert key.key_id == v["tijara_key_id"] and v["ce_source"] == f"/partners/{key.partner_id}"
    headers = signing.signed_record_headers(key, v["ce_type"], value, v["ce_id"])
    assert headers["tijara_signature"] == v["tijara_signature"] and headers["ce_source"] == v["ce_source"]
    assert rules.record_signature_valid(v["kafka signing key"], v["ce_id"], v["ce_source"], v["ce_type"], value,
                                        v["tijara_signature"])


def test_the_node_example_signs_every_vector() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed to check examples/partner-node against the published vectors"
    published = vectors()
    run = subprocess.run([node, str(NODE_EXAMPLE)], input=json.dumps(published), capture_output=True, text=True,
                         timeout=60, check=True)
    computed = json.loads(run.stdout)
    assert len(computed) == len(published)
    for vector, answer in zip(published, computed, strict=True):
        assert answer == {name: vector[name] for name in answer}, vector["ce_id"]
        assert len(answer) == (1 if vector["kind"] == "http" else 2)

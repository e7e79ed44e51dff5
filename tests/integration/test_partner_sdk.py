"""The partner SDK (clients/python/tijara-partner) against the real partners service and onboarding, in-process on the
real Kafka and store: an operator registers a partner and issues its key over the registry API, then the partner
sends with the SDK over HTTP and over Kafka and gets each receipt back with the SDK, from the receipts endpoint and
from its own receipts topic. And the SDK installs with pip into a fresh virtualenv and signs the published vectors
there (with the `standardwebhooks` extra verifying a webhook)."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
import sys
import textwrap
import threading
import venv
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tijara_partner import APPLICATION, ENDORSEMENT, GatewayError, HttpPartner, WebhookInvalid, verify_webhook
from tijara_partner.kafka import KafkaPartner

from deploy.local import kafka_acls
from tests.integration.partner_helpers import application, endorsement, partners_and_onboarding
from tests.partner_vectors import SDK_SRC, vectors


async def _register(http, operator: dict[str, str], partner_id: str, kind: str,
                    organisation: str | None = None) -> str:
    """As an operator would: register the partner, issue its key (shown once)."""
    registered = await http.post("/partners", headers=operator, json={
        "partner_id": partner_id, "name": partner_id.title(), "kind": kind, "organisation": organisation})
    assert registered.status_code == 201, registered.text
    issued = await http.post(f"/partners/{partner_id}/keys", headers=operator)
    assert issued.status_code == 201, issued.text
    return issued.json()["key"]


async def test_a_partner_sends_with_the_sdk_over_http_and_kafka_and_reads_its_receipts(
        infrastructure, settings_for, unique, issuer) -> None:
    prefix = f"sdk{unique}."
    async with partners_and_onboarding(settings_for, prefix) as (_, http, _onboarding, _onboarding_http):
        operator = issuer.auth("operator")
        clementia_key = await _register(http, operator, f"clementia-{unique}", "onboarding-partner")
        amdie_key = await _register(http, operator, f"amdie-{unique}", "export-agency", "AMDIE")

        clementia = HttpPartner(clementia_key, client=http)
        over_http = await clementia.send(APPLICATION, application())
        assert over_http.new
        receipt = await clementia.wait_for_receipt(over_http.ce_id, timeout=60)
        assert receipt.accepted and receipt.event_id == over_http.ce_id and receipt.supplier_id, receipt
        assert not (await clementia.send(APPLICATION, application(), ce_id=over_http.ce_id)).new  # resent: same

        async with KafkaPartner(clementia_key, infrastructure.kafka, topic_prefix=prefix) as on_kafka:
            ce_id = await on_kafka.send(APPLICATION, application())
            by_kafka = await on_kafka.wait_for_receipt(ce_id, timeout=60)
        assert by_kafka.accepted and by_kafka.supplier_id not in (None, receipt.supplier_id), by_kafka

        async with KafkaPartner(amdie_key, infrastructure.kafka, topic_prefix=prefix) as amdie:
            too_early = await amdie.send(ENDORSEMENT, endorsement(receipt.supplier_id))
            refused = await amdie.wait_for_receipt(too_early, timeout=60)
        assert refused.outcome == "rejected" and refused.reason == "conflict", refused  # documents not yet verified

        page = await clementia.receipts(limit=10)  # listed once settled (a couple of seconds after they are made)
        for _ in range(60):
            if {over_http.ce_id, ce_id} <= {r.event_id for r in page.receipts}:
                break
            await asyncio.sleep(0.5)
            page = await clementia.receipts(limit=10)
        assert [r.event_id for r in page.receipts] == [over_http.ce_id, ce_id] and page.cursor, page
        assert (await clementia.receipts(since=page.cursor)).receipts == []
        assert await HttpPartner(amdie_key, client=http).receipt(over_http.ce_id) is None  # not amdie's to read

        brought = {s.supplier_id: s for s in await clementia.suppliers()}
        assert brought[receipt.supplier_id].status == "submitted" and brought[receipt.supplier_id].applied_by_you
        named = {s.supplier_id: s for s in await HttpPartner(amdie_key, client=http).suppliers()}
        assert ENDORSEMENT not in named[receipt.supplier_id].may_send and named[receipt.supplier_id].next, named

        with pytest.raises(GatewayError) as scope:
            await HttpPartner(amdie_key, client=http).send(APPLICATION, application())
        assert scope.value.status == 403


@pytest.fixture
def endpoint():
    """A partner's webhook endpoint on loopback: answers 204 and keeps each push's headers and raw body."""
    pushes: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            pushes.append((dict(self.headers.items()), self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/receipts", pushes
    server.shutdown()
    server.server_close()


async def test_the_sdk_verifies_the_receipts_the_service_pushes(settings_for, unique, issuer, endpoint,
                                                                monkeypatch) -> None:
    url, pushes = endpoint
    fast = {"webhooks_allow_loopback_http": True, "webhook_poll_seconds": 0.1}
    async with partners_and_onboarding(settings_for, f"sdkwh{unique}.", **fast) as (_, http, _o, _oh):
        operator = issuer.auth("operator")
        key = await _register(http, operator, f"clementia-{unique}", "onboarding-partner")
        hook = await http.put(f"/partners/clementia-{unique}/webhook", json={"url": url}, headers=operator)
        assert hook.status_code == 200, hook.text
        secret = hook.json()["secret"]
        clementia = HttpPartner(key, client=http)
        pulled = await clementia.wait_for_receipt((await clementia.send(APPLICATION, application())).ce_id)
        for _ in range(100):
            if pushes:
                break
            await asyncio.sleep(0.1)
    [(headers, body)] = pushes
    assert verify_webhook(secret, body, headers) == pulled  # with the standardwebhooks package
    with pytest.raises(WebhookInvalid):
        verify_webhook(secret, body.replace(b"accepted", b"rejected"), headers)
    monkeypatch.setitem(sys.modules, "standardwebhooks.webhooks", None)  # as if it were not installed
    assert verify_webhook(secret, body, headers) == pulled
    with pytest.raises(WebhookInvalid):
        verify_webhook(secret, body, headers | {"webhook-id": "msg_another"})




async def test_over_sasl_with_compose_acls_a_partner_sends_and_reads_its_receipt(acl_broker, settings_for,
                                                                                 unique, issuer) -> None:
    """The services as the super user `tijara`, AMDIE as its own principal: the SDK passes the SASL and TLS settings
    through, writes AMDIE's input topic and reads partners.receipts.amdie, which is all its ACLs allow."""
    prefix = f"sdkacl{unique}."
    kafka_acls.init_security(acl_broker, prefix, "partner", "amdie", "partners.endorsements")
    listeners = kafka_acls.listeners(acl_broker)
    secured = {name.lower(): value for name, value in listeners.client_env("sasl_ssl").items()}

    def on_the_acl_broker(settings_class):
        return settings_for(settings_class).model_copy(update={
            **secured, "kafka_sasl_password": settings_class(**secured).kafka_sasl_password})

    async with partners_and_onboarding(on_the_acl_broker, prefix) as (_, http, _onboarding, _onboarding_http):
        key = await _register(http, issuer.auth("operator"), "amdie", "export-agency", "AMDIE")
        tls = ssl.create_default_context(cafile=str(listeners.tls_dir / "ca.pem"))
        async with KafkaPartner(key, listeners.sasl_ssl, topic_prefix=prefix, security_protocol="SASL_SSL",
                                sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="amdie",
                                sasl_plain_password="amdie-dev-secret", ssl_context=tls) as amdie:
            ce_id = await amdie.send(ENDORSEMENT, endorsement("sup-unknown"))
            receipt = await amdie.wait_for_receipt(ce_id, timeout=60)
    assert receipt.outcome == "rejected" and receipt.reason == "supplier-not-found", receipt


def test_the_sdk_installs_with_pip_into_a_fresh_virtualenv(tmp_path: Path) -> None:
    """pip builds and installs the package from its path (fetching httpx and standardwebhooks from the index) into a
    virtualenv that has nothing of the repository; there it signs the published vectors and verifies a webhook."""
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    source = tmp_path / "tijara-partner"  # a copy: pip's build leaves build/ and egg-info beside the sources
    shutil.copytree(SDK_SRC, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              f"{source}[webhooks]"], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    check = textwrap.dedent("""
        import json, sys
        from datetime import datetime, timezone
        import standardwebhooks, tijara_partner
        from tijara_partner import PartnerKey, record_signature, request_signature, verify_webhook
        assert "site-packages" in tijara_partner.__file__, tijara_partner.__file__
        for name in ("shared", "services"):
            try:
                __import__(name)
            except ImportError:
                pass
            else:
                raise SystemExit(f"{name} importable: not a clean environment")
        checked = 0
        for v in json.load(sys.stdin):
            key = PartnerKey.parse(v["key"])
            if v["kind"] == "http":
                got = request_signature(key.secret, v["timestamp"], v["ce_id"], v["ce_type"], v["body"].encode())
                assert got == v["X-Tijara-Signature"], (v["ce_id"], got)
            else:
                assert key.kafka_signing_key == v["kafka signing key"]
                got = record_signature(key.kafka_signing_key, v["ce_id"], v["ce_source"], v["ce_type"],
                                       v["value"].encode())
                assert got == v["tijara_signature"], (v["ce_id"], got)
            checked += 1
        secret = "whsec_eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg="
        body = json.dumps({"partner": "sgs", "event_id": "e1", "event_type": "t", "outcome": "accepted"}).encode()
        now = datetime.now(timezone.utc)
        signature = standardwebhooks.Webhook(secret).sign("msg_1", now, body)
        stamp = str(int(now.timestamp()))
        receipt = verify_webhook(secret, body, {"webhook-id": "msg_1", "webhook-timestamp": stamp,
                                                "webhook-signature": signature})
        assert receipt.accepted
        print(checked)
    """)
    run = subprocess.run([str(python), "-c", check], input=json.dumps(vectors()), capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert int(run.stdout) == len(vectors()) >= 4
    print(f"\ntijara-partner installed into a fresh venv ({sys.version.split()[0]}); {run.stdout.strip()} vectors ok")

"""`tijara partners ...` against the partners service running as its own process (with the local token issuer) on
the real servers: the demo registry, adding a partner, issuing a key once, the operator role required; no database
access from the CLI."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from deploy.local.demo_partners import DEMO_PARTNERS, seed_demo
from deploy.local.marketplace import Marketplace
from services.partners import domain as rules


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def partners_service(infrastructure, unique, tmp_path):
    market = Marketplace(infrastructure.kafka, infrastructure.mongodb, ports={"partners": _free_port()},
                         issuer_port=_free_port(), log_dir=tmp_path / "logs", database_prefix=f"it_{unique}",
                         extra_env={"KAFKA_TOPIC_PREFIX": f"cli{unique}."})
    market.start()  # the issuer, then the partners service (the only one given a port)
    try:
        market.wait_ready(60)
        yield market
    finally:
        market.stop()


def test_demo_registry_and_operator_commands(partners_service, tmp_path, monkeypatch) -> None:
    url, operator = partners_service.url("partners"), partners_service.token("operator")
    keys_file = tmp_path / "partner-keys.json"
    assert seed_demo(url, operator, keys_file) == 8
    first = json.loads(keys_file.read_text())
    assert seed_demo(url, operator, keys_file) == 8  # idempotent: no new keys
    assert json.loads(keys_file.read_text()) == first
    assert set(first) == {p[0] for p in DEMO_PARTNERS} and keys_file.stat().st_mode & 0o077 == 0

    monkeypatch.setenv("TIJARA_PARTNERS_URL", url)
    runner = CliRunner()
    refused = runner.invoke(app, ["partners", "list", "--token", "not-a-token"])
    assert refused.exit_code == 1 and "unauthenticated" in refused.output, refused.output
    staff = runner.invoke(app, ["partners", "list", "--token", partners_service.token("staff")])
    assert staff.exit_code == 1 and "forbidden" in staff.output and "operator" in staff.output, staff.output
    monkeypatch.setenv("TIJARA_TOKEN", operator)
    added = runner.invoke(app, ["partners", "add", "acme-inspect", "--name", "ACME Inspection",
                                "--kind", "inspection-body", "--organisation", "Intertek", "--rate", "30",
                                "--contact-email", "it@acme-inspect.example", "--language", "fr"])
    assert added.exit_code == 0, added.output
    hooked = runner.invoke(app, ["partners", "webhook", "acme-inspect", "https://acme-inspect.example/receipts"])
    assert hooked.exit_code == 0 and hooked.output.strip().splitlines()[-1].startswith("whsec_"), hooked.output
    assert runner.invoke(app, ["partners", "webhook", "acme-inspect", "--remove"]).exit_code == 0
    twice = runner.invoke(app, ["partners", "add", "acme-inspect", "--name", "ACME Inspection",
                                "--kind", "inspection-body", "--organisation", "Intertek"])
    assert twice.exit_code == 1 and "already registered" in twice.output
    issued = runner.invoke(app, ["partners", "issue-key", "acme-inspect"])
    assert issued.exit_code == 0, issued.output
    plaintext = issued.output.strip().splitlines()[-1]
    listed = runner.invoke(app, ["partners", "list"], env={"COLUMNS": "200"})
    assert "acme-inspect" in listed.output and "bureau-veritas" in listed.output

    headers = {"Authorization": f"Bearer {operator}"}
    registry = {p["partner_id"]: p for p in httpx.get(f"{url}/partners", headers=headers).json()}
    for partner_id, key in [*first.items(), ("acme-inspect", plaintext)]:
        key_id, secret = rules.split_key(key)
        assert [k["key_id"] for k in registry[partner_id]["keys"]] == [key_id]
    assert secret not in json.dumps(registry)  # the listing carries no secret material
    assert "secret_sha256" not in json.dumps(registry) and "kafka_signing_key" not in json.dumps(registry)
    revoked = runner.invoke(app, ["partners", "revoke-key", "acme-inspect", rules.split_key(plaintext)[0]])
    assert revoked.exit_code == 0, revoked.output
    assert httpx.get(f"{url}/partners").status_code == 401

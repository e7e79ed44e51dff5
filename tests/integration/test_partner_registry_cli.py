"""`tijara partners ...` against the real FerretDB: the demo registry, adding a partner, issuing a key once."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner

from cli.main import app
from cli.partners import seed_demo
from services.onboarding import partners as rules
from services.onboarding.partner_store import PartnerStore
from shared.mongo import connect


def test_demo_registry_and_operator_commands(infrastructure, unique, tmp_path, monkeypatch) -> None:
    database = f"it_{unique}_onboarding"
    keys_file = tmp_path / "partner-keys.json"
    assert asyncio.run(seed_demo(infrastructure.mongodb, database, keys_file)) == 8
    assert asyncio.run(seed_demo(infrastructure.mongodb, database, keys_file)) == 8  # idempotent: no new keys
    keys = json.loads(keys_file.read_text())
    assert set(keys) == {p[0] for p in rules.DEMO_PARTNERS} and keys_file.stat().st_mode & 0o077 == 0

    monkeypatch.setenv("MONGODB_URL", infrastructure.mongodb)
    monkeypatch.setenv("MONGODB_DATABASE", database)
    runner = CliRunner()
    added = runner.invoke(app, ["partners", "add", "acme-inspect", "--name", "ACME Inspection",
                                "--kind", "inspection-body", "--organisation", "Intertek", "--rate", "30"])
    assert added.exit_code == 0, added.output
    issued = runner.invoke(app, ["partners", "issue-key", "acme-inspect"])
    assert issued.exit_code == 0, issued.output
    plaintext = issued.output.strip().splitlines()[-1]
    listed = runner.invoke(app, ["partners", "list"], env={"COLUMNS": "200"})
    assert "acme-inspect" in listed.output and "bureau-veritas" in listed.output

    async def check() -> None:
        client = connect(infrastructure.mongodb)
        try:
            store = PartnerStore(client[database])
            for partner_id, key in [*keys.items(), ("acme-inspect", plaintext)]:
                key_id, secret = rules.split_key(key)
                partner = await store.by_key_id(key_id)
                assert partner.partner_id == partner_id and rules.key_matches(partner.key(key_id), secret)
                assert len(partner.keys) == 1
            raw = await client[database]["partners"].find_one({"_id": "acme-inspect"})
            assert secret not in json.dumps(raw, default=str)  # only the hash is stored
        finally:
            await client.close()

    asyncio.run(check())

"""`tijara partners ...`: the operator's partner registry (onboarding's MongoDB database, collection `partners`).

    tijara partners add sgs --name SGS --kind inspection-body
    tijara partners issue-key sgs            # prints `<key id>.<secret>` once; only its sha256 is stored
    tijara partners revoke-key sgs <key id>
    tijara partners list
    tijara partners seed-demo                # the demo registry: Clementia, AMDIE, Maroc PME, ASMEX, SGS, ...

MONGODB_URL and MONGODB_DATABASE (default tijara_onboarding) say where the registry lives.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from services.onboarding import partners as rules
from services.onboarding.partner_store import PartnerStore
from shared.mongo import connect

cli = typer.Typer(help="Register partner systems and issue their API keys.", no_args_is_help=True)
console = Console()


def _store_for(mongodb_url: str | None = None, database: str | None = None):
    client = connect(mongodb_url or os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017/"))
    return client, PartnerStore(client[database or os.environ.get("MONGODB_DATABASE", "tijara_onboarding")])


async def _with_store(action, mongodb_url: str | None = None, database: str | None = None):
    client, store = _store_for(mongodb_url, database)
    try:
        await store.ensure_indexes()
        return await action(store)
    finally:
        await client.close()


async def issue(store: PartnerStore, partner_id: str) -> str:
    partner = await store.get(partner_id)
    if partner is None:
        raise typer.BadParameter(f"no partner {partner_id!r}; add it first")
    key, plaintext = rules.issue_key(partner, datetime.now(UTC))
    await store.add_key(partner_id, key)
    return plaintext


async def seed_demo(mongodb_url: str, database: str = "tijara_onboarding", keys_file: Path | None = None) -> int:
    """Register the demo partners (idempotent); give each partner without a key one, written to `keys_file` (0600)."""

    async def action(store: PartnerStore) -> int:
        keys = json.loads(keys_file.read_text()) if keys_file and keys_file.exists() else {}
        for partner_id, name, kind, organisation in rules.DEMO_PARTNERS:
            await store.ensure(rules.new_partner(partner_id, name, kind, organisation=organisation))
            partner = await store.get(partner_id)
            has_key = partner is not None and any(not k.revoked for k in partner.keys)
            if not has_key or partner_id not in keys:
                keys[partner_id] = await issue(store, partner_id)
        if keys_file:
            keys_file.parent.mkdir(parents=True, exist_ok=True)
            keys_file.touch(mode=0o600)
            keys_file.write_text(json.dumps(keys, indent=2) + "\n")
        return len(rules.DEMO_PARTNERS)

    return await _with_store(action, mongodb_url, database)


@cli.command()
def add(partner_id: str, name: str = typer.Option(...), kind: rules.PartnerKind = typer.Option(...),
        organisation: str | None = typer.Option(None, help="For agencies and inspection bodies: which one, as the "
                                                "vocabulary names it (e.g. AMDIE, SGS, 'Bureau Veritas')."),
        rate: int = typer.Option(120, help="Events a minute through the HTTP gateway (per replica).")) -> None:
    """Register a partner; its scopes follow from its kind."""
    try:
        partner = rules.new_partner(partner_id, name, kind, rate, organisation)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    asyncio.run(_with_store(lambda store: store.add(partner)))
    console.print(f"[green]✓[/] {partner_id} ({kind.value}) may publish {', '.join(partner.scopes)}")


@cli.command("issue-key")
def issue_key(partner_id: str) -> None:
    """Issue an API key; the secret is shown once and stored only as a sha256 hash."""
    plaintext = asyncio.run(_with_store(lambda store: issue(store, partner_id)))
    console.print(f"[green]✓[/] key for {partner_id} (shown once; send it as X-Tijara-Key):\n{plaintext}")


@cli.command("revoke-key")
def revoke_key(partner_id: str, key_id: str) -> None:
    asyncio.run(_with_store(lambda store: store.revoke_key(partner_id, key_id)))
    console.print(f"[green]✓[/] revoked {key_id}")


@cli.command("list")
def list_partners() -> None:
    table = Table("partner", "name", "kind", "acts as", "may publish", "rate/min", "active keys")
    for p in asyncio.run(_with_store(lambda store: store.all())):
        table.add_row(p.partner_id, p.name, p.kind.value, p.organisation or "-", "\n".join(p.scopes),
                      str(p.rate_per_minute),
                      "\n".join(k.key_id for k in p.keys if not k.revoked) or "-")
    console.print(table)


@cli.command("seed-demo")
def seed_demo_command(keys_file: Path = typer.Option(Path(".stack/partner-keys.json"))) -> None:
    """Register the demo partners and write one key each to KEYS_FILE (for trying the gateway locally)."""
    count = asyncio.run(seed_demo(os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017/"),
                                  os.environ.get("MONGODB_DATABASE", "tijara_onboarding"), keys_file))
    console.print(f"[green]✓[/] {count} demo partners; keys in {keys_file}")

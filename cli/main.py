"""`tijara` commands: the operator's (dlq, replay, status, topics, partners, tail, expire-verifications), which work
against any deployment and import nothing of the local stack, and `tijara local ...`, the no-Docker local stack's
(run, seed, token, seed-partners, stack), which import `deploy.local` only when they run. `tijara local run` is what
`make run` calls."""

from __future__ import annotations

import asyncio
import signal
import threading
from pathlib import Path

import httpx
import typer
from rich.console import Console

from cli import dlq, identity, notifications, partners, privacy, replay, status, tail, topics

app = typer.Typer(help="Operate the Tijara marketplace.", no_args_is_help=True)
local = typer.Typer(help="The marketplace on this machine, without Docker: Kafka, the store, the five services and "
                         "the demo data (deploy/local).", no_args_is_help=True)
app.add_typer(local, name="local")
app.add_typer(dlq.app, name="dlq")
app.add_typer(replay.app, name="replay")
app.add_typer(topics.app, name="topics")
app.add_typer(partners.cli, name="partners")
app.add_typer(privacy.app, name="privacy")
app.add_typer(notifications.cli, name="notifications")
app.command("tail")(tail.tail)
local.command("token")(identity.token)
app.command("status")(status.status)
console = Console()
PAGES = (("Morocco", "ma"), ("Tunisia", "tn"))  # the demo's country pages (deploy/local/marketplace.py)


@local.command()
def run(
    seed: bool = typer.Option(True, help="Seed the demo data set when the country page is empty."),
) -> None:
    """Start Kafka, the store, the local SMTP server and the six services locally, seed the demo data, serve until
    Ctrl-C."""
    from deploy.local import demo, demo_partners, stack
    from deploy.local.marketplace import Marketplace

    profile = stack.up("run")
    marketplace = Marketplace(profile.bootstrap, profile.mongodb_url, log_dir=profile.dir / "logs")
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    try:
        with console.status("Starting onboarding, catalogue, inquiries, showcase, partners, notifications and its "
                            "mailbox (Mailpit) …"):
            marketplace.start()
            marketplace.wait_ready(90)
        urls = {s: marketplace.url(s) for s in marketplace.ports}
        for market, scale in ((demo.MOROCCO, demo.Scale()), (demo.TUNISIA, demo.TUNISIA_SCALE)):
            if seed and _page_is_empty(marketplace, market.code):
                summary = asyncio.run(demo.seed(urls, marketplace.token, scale, market=market))
                console.print(f"[green]✓[/] {market.adjective} demo data: {summary}")
        keys_file = demo_partners.KEYS_FILE
        demo_partners.seed_demo(marketplace.url("partners"), marketplace.token("operator"), keys_file)
        console.print(f"[green]✓[/] demo partners registered; their API keys: {keys_file}")
        pages = [(name, f"{marketplace.url('showcase')}/countries/{code}") for name, code in PAGES]
        console.print("\n[bold green]Tijara is running.[/] Country pages: "
                      + "   ".join(f"{name} [link={url}]{url}[/link]" for name, url in pages))
        console.print(f"  JSON: {marketplace.url('showcase')}/api/countries/ma (and /tn)   "
                      f"APIs: {', '.join(f'{s} {marketplace.url(s)}/docs' for s in marketplace.ports)}")
        console.print(f"  Partner gateway: POST {marketplace.url('partners')}/partner-events (docs/partners.md)   "
                      "Watch events: tijara tail catalogue.products")
        if marketplace.local_issuer:
            console.print(f"  Token issuer: {marketplace.issuer_url}   Try: tijara local token --role staff "
                          "(paste it into Swagger UI's Authorize)")
        else:
            console.print(f"  Identity provider: {marketplace.oidc_issuer} (the demo users log in there)")
        if marketplace.mailbox:
            console.print(f"  Mailbox (every message notifications sends, as suppliers and buyers would get it): "
                          f"[link={marketplace.mailbox.url}]{marketplace.mailbox.url}[/link]   "
                          f"SMTP 127.0.0.1:{marketplace.mailbox.smtp_port}   Operators: tijara notifications list")
        console.print(f"  Logs: {marketplace.log_dir}   Press Ctrl-C to stop everything.")
        stopped.wait()
    finally:
        with console.status("Stopping services, the token issuer, the mailbox, Kafka and the store …"):
            marketplace.stop()
            stack.stop_server(profile, "kafka")
            stack.stop_server(profile, "store")
        console.print("[green]✓[/] stopped; nothing left running")


def _page_is_empty(marketplace, country: str) -> bool:
    page = httpx.get(f"{marketplace.url('showcase')}/api/countries/{country.lower()}", timeout=10).json()
    return page["headline"]["verified_suppliers"] == 0


@local.command()
def seed(
    onboarding: str = "http://127.0.0.1:8001", catalogue: str = "http://127.0.0.1:8002",
    inquiries: str = "http://127.0.0.1:8003", suppliers: int = 40, products: int = 200, inquiry_count: int = 300,
    scale: str = typer.Option("demo", help="demo (the options above) or launch: 5,000 suppliers, 50,000 products, "
                                           "250,000 inquiries; resumable from its journal"),
    journal: Path = typer.Option(Path(".stack/launch-seed.jsonl"), help="with --scale launch: what was created"),
) -> None:
    """Create the Moroccan demo data set through the public HTTP APIs (with a progress bar), with the local
    issuer's tokens, or the identity provider's when OIDC_ISSUER names another (README: "Against Keycloak")."""
    from deploy.local import demo, launch
    from deploy.local.marketplace import Marketplace

    urls = {"onboarding": onboarding, "catalogue": catalogue, "inquiries": inquiries}
    market = Marketplace("", "")
    tokens = identity.local_token if market.local_issuer else market.token
    if scale == "launch":
        summary = asyncio.run(launch.seed(urls, journal, tokens))
    else:
        summary = asyncio.run(demo.seed(urls, tokens, demo.Scale(suppliers, products, inquiry_count)))
    console.print(f"[green]✓[/] {summary}")


@app.command("expire-verifications")
def expire_verifications(onboarding: str = "http://127.0.0.1:8001", now: str | None = None) -> None:
    """Expire the verifications that ran out (onboarding also does it periodically); `--now` to look ahead.
    Needs the operator role: the token is $TIJARA_TOKEN, else one from the local issuer."""
    answer = httpx.post(f"{onboarding}/operations/verification-expiry", params={"now": now} if now else None,
                        headers=identity.bearer("operator"), timeout=30).raise_for_status().json()
    console.print(f"[green]✓[/] {len(answer['expired'])} verifications expired: {', '.join(answer['expired']) or '-'}")


@local.command("seed-partners")
def seed_partners(keys_file: Path = typer.Option(None, help="default: .stack/profiles/run/partner-keys.json"),
                  url: str = partners.Url, token: str = partners.Token) -> None:
    """Register the demo partners and write one API key each to KEYS_FILE (for trying the gateway locally)."""
    from deploy.local import demo_partners

    keys_file = keys_file or demo_partners.KEYS_FILE
    count = partners._run(lambda: demo_partners.seed_demo(url, token, keys_file))
    console.print(f"[green]✓[/] {count} demo partners; keys in {keys_file}")


@local.command("stack", context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
               add_help_option=False)
def stack_command(ctx: typer.Context) -> None:
    """Kafka and the MongoDB-wire store without Docker: up | down | env | provision [--profile run|test]."""
    from deploy.local import stack

    stack.cli(ctx.args, prog_name="tijara local stack")

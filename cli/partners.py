"""`tijara partners ...`: the operator's partner registry, through the partners service's HTTP API (never its
database), with the operator's bearer token.

    tijara partners add sgs --name SGS --kind inspection-body --organisation SGS
    tijara partners issue-key sgs            # prints `<key id>.<secret>` once; only its hash is stored
    tijara partners revoke-key sgs <key id>
    tijara partners webhook sgs https://sgs.example/tijara   # pushes its receipts; prints the whsec_ secret once
    tijara partners webhook sgs --remove                     # it pulls them (GET /partner-events)
    tijara partners list

TIJARA_PARTNERS_URL (default http://127.0.0.1:8004) says where the service is. The registry answers operators only:
the token is --token, else $TIJARA_TOKEN, else an operator token of `make run`'s local issuer.
"""

from __future__ import annotations

import os

import httpx
import typer
from rich.console import Console
from rich.table import Table

from cli import identity
from services.partners.domain import Language, PartnerKind

cli = typer.Typer(help="Register partner systems and issue their API keys.", no_args_is_help=True)
console = Console()

Url = typer.Option(lambda: os.environ.get("TIJARA_PARTNERS_URL", "http://127.0.0.1:8004"), "--url",
                   help="The partners service.", show_default="$TIJARA_PARTNERS_URL or http://127.0.0.1:8004")
Token = typer.Option("", "--token", help="A bearer token with the operator role.",
                     show_default="$TIJARA_TOKEN, else one of the local issuer")


class Registry:
    """The registry endpoints of the partners service, with the operator's token."""

    def __init__(self, url: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else identity.bearer("operator")
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=30, headers=headers)

    def call(self, method: str, path: str, ok: tuple[int, ...] = (200, 201), **kw) -> httpx.Response:
        answer = self.http.request(method, path, **kw)
        if answer.status_code not in ok:
            try:
                problem = answer.json()
                detail = f"{problem.get('error', answer.status_code)}: {problem.get('message', answer.text)}"
            except ValueError:
                detail = f"{answer.status_code}: {answer.text[:200]}"
            raise RegistryError(detail)
        return answer

    def add(self, partner_id: str, name: str, kind: str, organisation: str | None, rate: int,
            contact_email: str | None = None, language: str | None = None) -> dict:
        body = {"partner_id": partner_id, "name": name, "kind": kind, "organisation": organisation,
                "rate_per_minute": rate, "contact_email": contact_email, "language": language}
        return self.call("POST", "/partners", json=body).json()

    def issue_key(self, partner_id: str) -> str:
        return self.call("POST", f"/partners/{partner_id}/keys").json()["key"]

    def all(self) -> list[dict]:
        return self.call("GET", "/partners").json()


class RegistryError(Exception):
    pass


def _run(action):
    try:
        return action()
    except RegistryError as error:
        console.print(f"[red]✗[/] {error}")
        raise typer.Exit(1) from None
    except httpx.HTTPError as error:
        console.print(f"[red]✗[/] the partners service did not answer: {error}")
        raise typer.Exit(1) from None


@cli.command()
def add(partner_id: str, name: str = typer.Option(...), kind: PartnerKind = typer.Option(...),
        organisation: str | None = typer.Option(None, help="For agencies and inspection bodies: which one, as the "
                                                "vocabulary names it (e.g. AMDIE, SGS, 'Bureau Veritas')."),
        rate: int = typer.Option(120, help="Events a minute through the HTTP gateway (per replica)."),
        contact_email: str | None = typer.Option(None, help="Who is told about its integration."),
        language: Language | None = typer.Option(None, help="The language of those messages."),
        url: str = Url, token: str = Token) -> None:
    """Register a partner (its receipts topic partners.receipts.<id> is created); its scopes follow from its kind."""
    partner = _run(lambda: Registry(url, token).add(partner_id, name, kind.value, organisation, rate, contact_email,
                                                    language and language.value))
    console.print(f"[green]✓[/] {partner_id} ({kind.value}) may publish {', '.join(partner['scopes'])}; on a "
                  f"cluster with ACLs: deploy/kafka/init-security.sh partner {partner_id} <its input topic>")


@cli.command("issue-key")
def issue_key(partner_id: str, url: str = Url, token: str = Token) -> None:
    """Issue an API key; the secret is shown once and stored only hashed."""
    plaintext = _run(lambda: Registry(url, token).issue_key(partner_id))
    console.print(f"[green]✓[/] key for {partner_id} (shown once; send it as X-Tijara-Key):")
    print(plaintext)


@cli.command("revoke-key")
def revoke_key(partner_id: str, key_id: str, url: str = Url, token: str = Token) -> None:
    _run(lambda: Registry(url, token).call("POST", f"/partners/{partner_id}/keys/{key_id}/revocation"))
    console.print(f"[green]✓[/] revoked {key_id}")


@cli.command()
def webhook(partner_id: str, target: str | None = typer.Argument(None, help="https://... where receipts go"),
            remove: bool = typer.Option(False, "--remove", help="Stop pushing: the partner pulls its receipts."),
            url: str = Url, token: str = Token) -> None:
    """Push a partner's receipts to its webhook (Standard Webhooks), or stop."""
    if remove == (target is not None):
        console.print("[red]✗[/] give a webhook URL, or --remove")
        raise typer.Exit(2)
    registry = Registry(url, token)
    if remove:
        _run(lambda: registry.call("DELETE", f"/partners/{partner_id}/webhook", ok=(204,)))
        console.print(f"[green]✓[/] {partner_id}'s receipts are no longer pushed")
        return
    hook = _run(lambda: registry.call("PUT", f"/partners/{partner_id}/webhook", json={"url": target}).json())
    console.print(f"[green]✓[/] {partner_id}'s receipts go to {hook['url']}; its signing secret (shown once):")
    print(hook["secret"])


@cli.command("list")
def list_partners(url: str = Url, token: str = Token) -> None:
    table = Table("partner", "name", "kind", "acts as", "may publish", "rate/min", "active keys")
    for p in _run(lambda: Registry(url, token).all()):
        table.add_row(p["partner_id"], p["name"], p["kind"], p["organisation"] or "-", "\n".join(p["scopes"]),
                      str(p["rate_per_minute"]), "\n".join(k["key_id"] for k in p["keys"] if not k["revoked"]) or "-")
    console.print(table)

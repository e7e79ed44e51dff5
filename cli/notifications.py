"""`tijara notifications ...`: the messages the notifications service recorded and sent, through its operator API
(never its database), with the operator's bearer token.

    tijara notifications list [--status failed] [--recipient supplier:<id>]
    tijara notifications show <key>           # headers, outcome, the text as sent
    tijara notifications retry <key>          # a failed message queued again (same Message-ID)

TIJARA_NOTIFICATIONS_URL (default http://127.0.0.1:8005) says where the service is; the token is --token, else
$TIJARA_TOKEN, else an operator token of `make run`'s local issuer.
"""

from __future__ import annotations

import os

import httpx
import typer
from rich.console import Console
from rich.table import Table

from cli import identity

cli = typer.Typer(help="Messages to people: list them, see one, retry a failed one.", no_args_is_help=True)
console = Console()

Url = typer.Option(lambda: os.environ.get("TIJARA_NOTIFICATIONS_URL", "http://127.0.0.1:8005"), "--url",
                   help="The notifications service.", show_default="$TIJARA_NOTIFICATIONS_URL or http://127.0.0.1:8005")
Token = typer.Option("", "--token", help="A bearer token with the operator role.",
                     show_default="$TIJARA_TOKEN, else one of the local issuer")


def _call(url: str, token: str, method: str, path: str, **kw) -> dict | list:
    headers = {"Authorization": f"Bearer {token}"} if token else identity.bearer("operator")
    try:
        answer = httpx.request(method, url.rstrip("/") + path, headers=headers, timeout=30, **kw)
    except httpx.HTTPError as error:
        console.print(f"[red]✗[/] the notifications service did not answer: {error}")
        raise typer.Exit(1) from None
    if answer.status_code >= 400:
        try:
            problem = answer.json()
            console.print(f"[red]✗[/] {problem.get('error', answer.status_code)}: {problem.get('message', '')}")
        except ValueError:
            console.print(f"[red]✗[/] {answer.status_code}: {answer.text[:200]}")
        raise typer.Exit(1)
    return answer.json()


@cli.command("list")
def list_messages(status: str = typer.Option(None, help="queued, held, sent, failed, suppressed or digested"),
                  recipient: str = typer.Option(None, help="e.g. supplier:<id>, buyer:<inquiry id>, partner:<id>"),
                  limit: int = typer.Option(50, min=1, max=1000), url: str = Url, token: str = Token) -> None:
    """Newest first."""
    params = {k: v for k, v in (("status", status), ("recipient", recipient), ("limit", limit)) if v}
    table = Table("key", "kind", "recipient", "status", "attempts", "created", "to / why")
    for m in _call(url, token, "GET", "/messages", params=params):
        why = m.get("last_error") if m["status"] in ("failed", "queued") else m.get("reason")
        table.add_row(m["key"], m["kind"], m["recipient"], m["status"], str(m["attempts"]), m["created_at"][:19],
                      why or m.get("to") or "-")
    console.print(table)


@cli.command()
def show(key: str, url: str = Url, token: str = Token) -> None:
    m = _call(url, token, "GET", f"/messages/{key}")
    for name in ("message_id", "kind", "recipient", "status", "to", "language", "subject", "attempts", "created_at",
                 "sent_at", "last_error", "reason", "digest", "cause"):
        if m.get(name) not in (None, ""):
            console.print(f"[bold]{name}[/]: {m[name]}")
    for name, value in m.get("headers", {}).items():
        console.print(f"[bold]{name}[/]: {value}")
    if m.get("text"):
        console.print(f"\n{m['text']}")


@cli.command()
def retry(key: str, url: str = Url, token: str = Token) -> None:
    """Queue a failed message again (e.g. once its address was corrected at the owner); same Message-ID."""
    m = _call(url, token, "POST", f"/messages/{key}/retry")
    console.print(f"[green]✓[/] {m['key']} queued again ({m['kind']} to {m['recipient']})")

"""The operator commands' bearer token: $TIJARA_TOKEN (from the identity provider), else, on a developer's machine,
one of the local issuer (`tijara local token`: to try the APIs with Swagger UI's Authorize button, curl). The local
stack's modules are imported only for that fallback."""

from __future__ import annotations

import os

import typer
from rich.console import Console

console = Console(stderr=True)


def local_token(role: str, subject: str | None = None) -> str:
    """Signed with the key `make run`'s issuer publishes (.stack/issuer/), for its URL (OIDC_ISSUER if set)."""
    from deploy.local import issuer
    from deploy.local.marketplace import ISSUER_PORT, Marketplace

    key_file = Marketplace("", "").issuer_key
    if not key_file.exists():
        raise typer.BadParameter(f"no local issuer key at {key_file}: start the marketplace with `make run` first")
    url = os.environ.get("OIDC_ISSUER", f"http://127.0.0.1:{ISSUER_PORT}")
    return issuer.mint(issuer.load_or_create_key(key_file), url, role, subject)


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {os.environ.get('TIJARA_TOKEN') or local_token(role)}"}


def token(
    role: str = typer.Option(..., "--role", help="staff | operator | agency:AMDIE | inspection:SGS | "
                             "partner:clementia | supplier:<supplier id>"),
    subject: str = typer.Option(None, help="The token's subject (sub); default names the role"),
) -> None:
    """Print a token of the local issuer, e.g. `curl -H "Authorization: Bearer $(tijara local token --role staff)" …`."""
    try:
        print(local_token(role, subject))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    from deploy.local.marketplace import ISSUER_PORT

    console.print(f"[dim]{role}, valid one hour, issuer http://127.0.0.1:{ISSUER_PORT}[/]")

"""`tijara privacy ...`: a person's data across the marketplace, through each holding service's operator API (never
its database), with the operator's bearer token.

    tijara privacy erase --email buyer@example.com         # asks to confirm; --yes for scripts
    tijara privacy export --email buyer@example.com > person.json
    tijara privacy reads --supplier sup-…  |  --inquiry inq-…  |  --partner clementia  |  --email …

Each command asks every service that holds personal data (notifications, which keeps copies of messages about what
the others hold, second, with the records they reported), waits for all of them, and fails (exit 1) if one did not
answer: an erasure is done only when every holder has done it (run it again: it is idempotent). Services are
found like `tijara status` finds them: `--service name=url` (repeatable), else the local `make run` ports.

`erase` sends one request id to every holder and prints what each PUBLISHED for it on privacy.erasures
(cli/erasure_outcomes.py): the report is the services' own record of what they erased, and a holder that did not
publish within `--wait` seconds fails the command. It reads Kafka with the environment's settings, like
`tijara tail` (KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, KAFKA_SASL_*).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from cli import identity
from cli.common import console, local_service_urls, run, settings
from cli.erasure_outcomes import OutcomeRead, OutcomesMissing, wait_for_outcomes
from shared.web.erasure_outcomes import new_request_id

HOLDERS = ("onboarding", "inquiries", "partners", "notifications")  # the services with `/privacy/*` (docs/personal-data.md)
READS = ("onboarding", "inquiries", "partners")  # the owners of contacts, which record who read them
COPIES = ("notifications",)  # keep copies about what the others hold: asked second, with the records they reported
errors = Console(stderr=True)
app = typer.Typer(help="A person's data: erase, export, and who read a contact.", no_args_is_help=True)

Services = typer.Option([], "--service", "-s", help="name=url of a service holding personal data, e.g. "
                        "inquiries=http://10.0.0.5:8003 (repeatable); default: the local `make run` ports")
Token = typer.Option("", "--token", help="A bearer token with the operator role.",
                     show_default="$TIJARA_TOKEN, else one of the local issuer")
AsJson = typer.Option(False, "--json", help="One JSON document on stdout, for scripts.")


def holders(service: list[str]) -> dict[str, str]:
    if service:
        return dict(s.split("=", 1) for s in service)
    local = local_service_urls()
    return {name: local[name] for name in HOLDERS if name in local}


async def ask_about(urls: dict[str, str], token: str, path: str, email: str, found: Any,
                    **more: str) -> dict[str, Any]:
    """The holders, then the services keeping copies, told what the holders found (`found(answer)`: its records)."""
    first = {k: v for k, v in urls.items() if k not in COPIES}
    answers = await ask_all(first, token, "POST", path, json={"email": email, **more})
    records = sorted({r for a in answers.values() if "error" not in a for r in found(a)})
    copies = {k: v for k, v in urls.items() if k in COPIES}
    return answers | await ask_all(copies, token, "POST", path, json={"email": email, "records": records, **more})


async def ask_all(urls: dict[str, str], token: str, method: str, path: str, **request: Any) -> dict[str, Any]:
    """Every service's answer (its JSON), or {"error": why} for one that did not give it."""
    headers = {"Authorization": f"Bearer {token}"} if token else identity.bearer("operator")

    async def one(http: httpx.AsyncClient, url: str) -> Any:
        try:
            answer = await http.request(method, f"{url.rstrip('/')}{path}", headers=headers, **request)
        except httpx.HTTPError as error:
            return {"error": f"did not answer: {error}"}
        if answer.status_code != 200:
            return {"error": f"{answer.status_code}: {answer.text[:200]}"}
        return answer.json()

    async with httpx.AsyncClient(timeout=60) as http:
        answers = await asyncio.gather(*(one(http, url) for url in urls.values()))
    return dict(zip(urls, answers, strict=True))


def _failed(answers: dict[str, Any]) -> list[str]:
    return [name for name, a in answers.items() if isinstance(a, dict) and "error" in a]


@app.command()
def erase(email: str = typer.Option(..., "--email", help="The person's e-mail address"),
          yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation (scripts)."),
          wait: float = typer.Option(60.0, "--wait", help="Seconds to wait for every service's outcome."),
          service: list[str] = Services, token: str = Token, as_json: bool = AsJson) -> None:
    """Erase or anonymise everything every service holds about the person (business facts stay), then print what
    each published that it did (privacy.erasures). Asked twice, each service reports the same records
    (already_erased: true)."""
    urls = holders(service)
    if not yes:
        typer.confirm(f"Erase everything {', '.join(urls)} hold about {email}? This cannot be undone", abort=True)
    request_id = new_request_id()
    answers: dict[str, Any] = {}

    async def ask() -> list[str]:
        answers.update(await ask_about(urls, token, "/privacy/erasure", email, lambda report: report["records"],
                                       request_id=request_id))
        return [name for name in urls if "error" not in answers[name]]

    try:
        outcomes = run(wait_for_outcomes(settings(), request_id, ask, wait, errors))
    except OutcomesMissing as missing:
        errors.print(f"[red]✗[/] {missing}")
        raise typer.Exit(1) from None
    reports = {name: _reported(answers.get(name), outcomes.get(name), wait) for name in urls}
    if as_json:
        print(json.dumps({"request_id": request_id, "services": reports}, indent=2, sort_keys=True))
    else:
        console.print(_erasure_table(request_id, reports))
    _exit(reports, "erasure")


def _reported(answer: dict[str, Any] | None, outcome: OutcomeRead | None, wait: float) -> dict[str, Any]:
    """What the service published; its HTTP error if it refused or did not answer; else that it did not publish."""
    if outcome is not None:
        return outcome.model_dump(mode="json", exclude={"request_id", "service"})
    if answer is not None and "error" in answer:
        return answer
    return {"error": f"answered but published no outcome on privacy.erasures within {wait:g}s"}


def _erasure_table(request_id: str, reports: dict[str, Any]) -> Table:
    table = Table("service", "records", "erased", "already erased", title=f"erasure {request_id}")
    for name, report in reports.items():
        if "error" in report:
            table.add_row(name, "[red]✗[/]", report["error"], "-")
            continue
        kinds = ", ".join(f"{k['records']} {k['kind']}" for k in report["records_by_kind"]) or "0"
        table.add_row(name, kinds, "\n".join(report["erased"]) or "-", "yes" if report["already_erased"] else "no")
    return table


@app.command()
def export(email: str = typer.Option(..., "--email", help="The person's e-mail address"),
           service: list[str] = Services, token: str = Token) -> None:
    """Everything every service holds about the person, as one JSON document on stdout."""
    answers = run(ask_about(holders(service), token, "/privacy/export", email,
                            lambda held: [r["record"] for r in held["records"]]))
    document = {"email": email, "exported_at": datetime.now(UTC).isoformat(),
                "services": {name: a.get("records", a) for name, a in answers.items()}}
    print(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
    _exit(answers, "export")


@app.command()
def reads(supplier: str = typer.Option(None, "--supplier", help="A supplier id: who read its contact person"),
          inquiry: str = typer.Option(None, "--inquiry", help="An inquiry id: who read its buyer's contact"),
          partner: str = typer.Option(None, "--partner", help="A partner id: who read its contact e-mail"),
          email: str = typer.Option(None, "--email", help="A person's e-mail: who read it, in every service"),
          service: list[str] = Services, token: str = Token, as_json: bool = AsJson) -> None:
    """Who read a contact, when, and through which route (newest first)."""
    if sum(x is not None for x in (supplier, inquiry, partner, email)) != 1:
        raise typer.BadParameter("give one of --supplier, --inquiry, --partner, --email")
    urls = holders(service)
    whose = {"onboarding": ("supplier_id", supplier), "inquiries": ("inquiry_id", inquiry),
             "partners": ("partner_id", partner)}
    owner = next((name for name, (_, value) in whose.items() if value is not None), None)
    if owner:
        urls, params = {k: v for k, v in urls.items() if k == owner}, dict([whose[owner]])
    else:
        urls, params = {k: v for k, v in urls.items() if k in READS}, {"email": email}
    answers = run(ask_all(urls, token, "GET", "/privacy/reads", params=params))
    if as_json:
        print(json.dumps(answers, indent=2, sort_keys=True))
    else:
        table = Table("service", "record", "read at", "by (role, organisation)", "subject", "through")
        for name, found in answers.items():
            for read in [] if isinstance(found, dict) else found:
                actor = read["actor"]
                table.add_row(name, read["record"], read["read_at"],
                              f"{actor['role']}" + (f", {actor['organisation']}" if actor["organisation"] else ""),
                              actor["subject"], read["purpose"])
        console.print(table)
    _exit(answers, "reads")


def _exit(answers: dict[str, Any], what: str) -> None:
    failed = _failed(answers)
    for name in failed:
        errors.print(f"[red]✗[/] {name}: {answers[name]['error']}")
    if failed:
        errors.print(f"[red]✗[/] the {what} is not complete: {', '.join(failed)} did not complete it; run it again")
        raise typer.Exit(1)

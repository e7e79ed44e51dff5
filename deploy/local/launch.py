"""The launch-scale data set, `tijara local seed --scale launch`: 5,000 suppliers across the 12 regions, 50,000 products,
250,000 inquiries over 12 months from ~60 countries, sent through the services' HTTP APIs so every event flows for
real (the inquiries through the operators' history import, which keeps their own received and answered times).

The demo's vocabulary and generators (deploy/local/demo.py) at launch size. Deterministic: each phase draws from
its own seeded generator, so a resumed run asks for exactly what the interrupted one would have. Resumable: every
answered request is appended to a journal (one JSON line) before the next is counted, and a rerun skips what the
journal holds; at most the requests in flight when it stopped are sent twice.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from deploy.local import demo

LAUNCH = demo.Scale(suppliers=5_000, products=50_000, inquiries=250_000, rejected=3, pending=3, suspended=0)
# Buyer countries at launch, North America first (weights in per mille of inquiries; demo material).
BUYER_COUNTRIES = [
    ("US", 300), ("CA", 120), ("MX", 25), ("FR", 45), ("ES", 40), ("DE", 35), ("IT", 30), ("GB", 30), ("NL", 20),
    ("BE", 15), ("PT", 10), ("CH", 10), ("SE", 8), ("DK", 6), ("NO", 6), ("FI", 4), ("IE", 5), ("AT", 5),
    ("PL", 6), ("CZ", 4), ("RO", 4), ("GR", 4), ("TR", 10), ("AE", 25), ("SA", 20), ("QA", 8), ("KW", 5),
    ("OM", 4), ("BH", 3), ("JO", 3), ("EG", 8), ("TN", 4), ("DZ", 3), ("MR", 3), ("SN", 8), ("CI", 8), ("NG", 10),
    ("GH", 5), ("KE", 5), ("ZA", 8), ("CM", 4), ("ET", 3), ("CN", 20), ("JP", 12), ("KR", 8), ("IN", 15),
    ("SG", 6), ("MY", 4), ("ID", 4), ("VN", 3), ("TH", 3), ("AU", 10), ("NZ", 3), ("BR", 12), ("AR", 4),
    ("CL", 4), ("CO", 4), ("PE", 3), ("IL", 3), ("RU", 3),
]
CONCURRENCY = 32
MONTHS = 12


class Journal:
    """What a previous run already created: {phase: {index: answer}}; appended one line per answered request."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, dict[int, Any]] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                with_index = json.loads(line)
                self.done.setdefault(with_index["phase"], {})[with_index["i"]] = with_index["answer"]
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a")

    def has(self, phase: str, i: int) -> bool:
        return i in self.done.get(phase, {})

    def record(self, phase: str, i: int, answer: Any) -> None:
        self.done.setdefault(phase, {})[i] = answer
        self._file.write(json.dumps({"phase": phase, "i": i, "answer": answer}) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def buyer_country(rng: random.Random) -> str:
    countries, weights = zip(*BUYER_COUNTRIES, strict=True)
    return rng.choices(countries, weights)[0]


async def seed(urls: dict[str, str], journal_path: Path, token: Callable[[str], str], scale: demo.Scale = LAUNCH,
               seed_value: int = 2024,
               client: Callable[[], httpx.AsyncClient] = lambda: httpx.AsyncClient(timeout=60)) -> dict:
    """`token(role)`: a bearer token for each role the seeding acts in (demo.seed's roles)."""
    journal = Journal(journal_path)
    try:
        async with client() as http:
            return await _phases(http, urls, journal, scale, seed_value, demo.fresh_tokens(token))
    finally:
        journal.close()


async def _phases(http: httpx.AsyncClient, urls: dict[str, str], journal: Journal, scale: demo.Scale,
                  seed_value: int, tokens: Callable[[str], str]) -> dict:
    rng = random.Random(f"{seed_value}-suppliers")
    applications = demo.supplier_applications(scale, rng)
    plans = [demo.workflow(i, scale, rng) for i in range(scale.suppliers)]
    with Progress(TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("ETA"), TimeRemainingColumn()) as progress:
        run = _Runner(http, journal, progress, tokens)
        steps = [(i, k) for i, plan in enumerate(plans) for k in range(len(plan) + 1)]
        await run.phase("Onboarding and verifying suppliers", "supplier-steps", range(len(steps)),
                        lambda n: _supplier_step(run, urls, applications, plans, *steps[n]), ordered_by=steps)
        suppliers = [journal.done["supplier-steps"][run.index[(i, len(plan))]] for i, plan in enumerate(plans)]
        verified = [s for s in suppliers if s["status"] == "verified"]

        rng = random.Random(f"{seed_value}-products")
        bodies = [{"supplier_id": s["supplier_id"], "listing": demo.listing(s["sector"], s["region"], rng)}
                  for s in (verified[i % len(verified)] for i in range(scale.products))]
        await run.phase("Listing products", "products", range(scale.products), lambda n: run.post(
            f"{urls['catalogue']}/products", bodies[n], keep=("product_id", "supplier_id"), retry=True,
            role=f"supplier:{bodies[n]['supplier_id']}"))
        products = [{**journal.done["products"][n], "listing": bodies[n]["listing"]} for n in range(scale.products)]

        rng = random.Random(f"{seed_value}-inquiries")
        pace = {s["supplier_id"]: rng.choice(demo.PACES) for s in verified}  # how each supplier answers
        now = datetime.now(UTC)  # a resumed run draws the same inquiries; only their times move with `now`
        chosen = [rng.choice(products) for _ in range(scale.inquiries)]
        asks = [demo.inquiry(product, rng) for product in chosen]
        for ask in asks:
            ask["buyer_country"] = buyer_country(rng)
            ask["destination"] = f"main port, {ask['buyer_country']}"
        history = [demo.past_inquiry(ask, pace[product["supplier_id"]], rng, now, days=MONTHS * 30.4)
                   for ask, product in zip(asks, chosen, strict=True)]
        await run.phase(f"Inquiries of the past {MONTHS} months", "past-inquiries", range(scale.inquiries),
                        lambda n: run.post(f"{urls['inquiries']}/inquiries/history", history[n],
                                           keep=("inquiry_id", "supplier_id", "status", "received_at"),
                                           retry=True, role="operator"))
        inquiries = [journal.done["past-inquiries"][n] for n in range(scale.inquiries)]
        answered = [i for i in inquiries if i["status"] == "responded"]
    return {"suppliers": len(suppliers), "verified": len(verified), "products": len(products),
            "inquiries": len(inquiries), "answered": len(answered),
            "regions": len({s["region"] for s in suppliers}),
            "buyer_countries": len({a["buyer_country"] for a in asks})}


async def _supplier_step(run: _Runner, urls: dict[str, str], applications: list[dict], plans: list, i: int,
                         k: int) -> dict:
    """Step k of supplier i: 0 submits the application, then the verification steps in order."""
    keep = ("supplier_id", "status")
    if k == 0:  # Clementia applies, or the SME itself for a supplier id fixed by its position (resumable)
        partner = applications[i]["submitted_by"]
        role = f"partner:{partner}" if partner else f"supplier:sup-launch-{i:05d}"
        answer = await run.post(f"{urls['onboarding']}/suppliers", applications[i], keep=keep, role=role)
    else:
        supplier_id = run.journal.done["supplier-steps"][run.index[(i, k - 1)]]["supplier_id"]
        step, body = plans[i][k - 1]
        answer = await run.post(f"{urls['onboarding']}/suppliers/{supplier_id}/{step}", body, keep=keep,
                                role=demo.acting_as(step, body))
    profile = applications[i]["profile"]
    return {**answer, "sector": profile["sectors"][0], "region": profile["region"]}


class _Runner:
    """Sends a phase's requests CONCURRENCY at a time, skipping what the journal holds, advancing the bar."""

    def __init__(self, http: httpx.AsyncClient, journal: Journal, progress: Progress, tokens: Callable[[str], str]):
        self.http, self.journal, self.progress, self.tokens = http, journal, progress, tokens
        self.index: dict[Any, int] = {}

    async def post(self, url: str, body: dict | None, keep: tuple[str, ...], retry: bool = False,
                   role: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.tokens(role)}"} if role else None
        send = lambda: self.http.post(url, json=body, headers=headers)  # noqa: E731
        response = await (demo._retry(send) if retry else send())
        answer = response.raise_for_status().json()
        return {k: answer[k] for k in keep}

    async def phase(self, title: str, name: str, items: Iterable[int], request: Callable[[int], Awaitable[dict]],
                    ordered_by: list | None = None) -> None:
        """Requests of one phase; with `ordered_by`, item n waits for item n-1 of the same aggregate (its
        previous workflow step), and different aggregates run concurrently."""
        items = list(items)
        if ordered_by:
            self.index = {key: n for n, key in enumerate(ordered_by)}
        task = self.progress.add_task(title, total=len(items))
        todo = [n for n in items if not self.journal.has(name, n)]
        self.progress.advance(task, len(items) - len(todo))
        queue: asyncio.Queue[list[int]] = asyncio.Queue()
        for chain in _chains(todo, ordered_by):
            queue.put_nowait(chain)

        async def worker() -> None:
            while not queue.empty():
                for n in queue.get_nowait():
                    self.journal.record(name, n, await request(n))
                    self.progress.advance(task)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


def _chains(todo: list[int], ordered_by: list | None) -> list[list[int]]:
    """Items grouped per aggregate (the first element of `ordered_by`'s key), in order; else one item each."""
    if not ordered_by:
        return [[n] for n in todo]
    chains: dict[Any, list[int]] = {}
    for n in todo:
        chains.setdefault(ordered_by[n][0], []).append(n)
    return list(chains.values())

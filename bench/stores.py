"""Choose the local MongoDB-wire store by measurement: the same pymongo script against every candidate, in one run.

    .venv/bin/python -m bench.stores            # all candidates; ~3 minutes
    .venv/bin/python -m bench.stores --only mongo-java-server-h2

Correctness first (acknowledged writes after kill -9 of the store, and a sparse index's query after it; 50 concurrent
`$inc` on one document, four accumulators in one `$group`, a bulk of 1,000 upserts, `renameCollection` with
`dropTarget`), then speed at 1,000 and 10,000 documents (find_one by `_id`, update_one by `_id` from 16 tasks,
insert_many, a find of the 10 documents marked under a sparse index). Each candidate runs in its own temporary
folder on its own port; nothing of the local stack is touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import typer
from pymongo import AsyncMongoClient, UpdateOne
from rich.console import Console
from rich.table import Table

from bench.rates import rate
from deploy.local import stack
from deploy.local import store_server as store

console = Console(width=170)
PORT = 27600 + int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)  # Debian's postgresql, if installed
SPEED_SECONDS = 2.0


@dataclass
class Candidate:
    name: str
    start: Callable[[Path], list[str]]  # the store's command line for a data folder
    prepare: Callable[[Path], None] = lambda folder: None  # e.g. a PostgreSQL cluster under FerretDB
    finish: Callable[[Path], None] = lambda folder: None
    process: subprocess.Popen | None = None
    results: dict[str, str] = field(default_factory=dict)


def candidates() -> list[Candidate]:
    home = stack.HOME
    found = [
        Candidate("ferretdb-sqlite", lambda d: store.ferretdb_command(home, PORT, d / "data")),
        Candidate("mongo-java-server-h2-background-commit", lambda d: store.command(home, PORT, d, "background")),
        Candidate("mongo-java-server-h2", lambda d: store.command(home, PORT, d, "each")),
    ]
    if PG_BIN:
        found.insert(1, Candidate(
            "ferretdb-postgresql", lambda d: store.ferretdb_command(home, PORT, d / "data", _pg_url()),
            prepare=_start_postgresql, finish=_stop_postgresql))
    return found


# --- PostgreSQL under FerretDB: Debian's binaries, run as the `postgres` user (PostgreSQL refuses root) --------


def _pg_url() -> str:
    return f"postgres://postgres@127.0.0.1:{PORT + 1}/ferretdb"


def _as_postgres(*cmd: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True)


def _start_postgresql(folder: Path) -> None:
    pg = folder / "pg"
    pg.mkdir()
    shutil.chown(pg, "postgres")
    _as_postgres(str(PG_BIN / "initdb"), "-A", "trust", "-U", "postgres", "-D", str(pg / "data"))
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(pg / "data"), "-l", str(pg / "log"), "-w", "start",
                 "-o", f"-p {PORT + 1} -k {pg} -c listen_addresses=127.0.0.1")
    _as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PORT + 1), "-U", "postgres", "ferretdb")


def _stop_postgresql(folder: Path) -> None:
    with contextlib.suppress(subprocess.CalledProcessError):
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(folder / "pg" / "data"), "-m", "immediate", "stop")


# --- the store process --------------------------------------------------------------------------------------------


def _spawn(c: Candidate, folder: Path) -> None:
    log = open(folder / f"{c.name}.log", "ab")
    c.process = subprocess.Popen(c.start(folder), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


async def _ready(timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client = AsyncMongoClient(f"mongodb://127.0.0.1:{PORT}/", serverSelectionTimeoutMS=500)
        try:
            await client.admin.command("ping")
            return
        except Exception:
            await asyncio.sleep(0.3)
        finally:
            await client.close()
    raise RuntimeError("store did not answer ping")


def _kill(c: Candidate, sig: int = signal.SIGKILL) -> None:
    if c.process and c.process.poll() is None:
        os.killpg(c.process.pid, sig)
        c.process.wait(timeout=30)


def _client() -> AsyncMongoClient:
    return AsyncMongoClient(f"mongodb://127.0.0.1:{PORT}/", serverSelectionTimeoutMS=5000, socketTimeoutMS=60_000)


# --- checks -------------------------------------------------------------------------------------------------------


async def _writes_then_kill_9(c: Candidate, folder: Path, document: Callable[[int], dict]) -> list[int]:
    """8 tasks insert acknowledged documents for 1.5 s; kill -9 the store mid-stream; restart it. The acknowledged
    `_id`s."""
    client = _client()
    coll = client.bench.durable
    await coll.create_index("pending", sparse=True)
    acknowledged: list[int] = []

    async def writer(task: int) -> None:
        for n in range(task, 10**9, 8):
            await coll.insert_one(document(n))
            acknowledged.append(n)

    writers = [asyncio.create_task(writer(t)) for t in range(8)]
    await asyncio.sleep(1.5)
    await asyncio.to_thread(_kill, c)
    await asyncio.gather(*writers, return_exceptions=True)
    await client.close()
    _spawn(c, folder)
    await _ready()
    return acknowledged


async def durability(c: Candidate, folder: Path) -> str:
    """Acknowledged writes after kill -9 of the store; every third document carries a marker under a sparse index,
    which must find the same marked documents after the restart (the outbox relay's recovery query)."""
    acknowledged = await _writes_then_kill_9(
        c, folder, lambda n: {"_id": n, "payload": "x" * 200, **({"pending": True} if n % 3 == 0 else {})})
    client = _client()
    coll = client.bench.durable
    kept = {d["_id"] async for d in coll.find({"_id": {"$in": acknowledged}}, {"_id": 1})}
    marked = {d["_id"] async for d in coll.find({"pending": {"$exists": True}}, {"_id": 1})}
    await client.close()
    lost, unfound = len(acknowledged) - len(kept), {n for n in kept if n % 3 == 0} - marked
    result = f"{lost} of {len(acknowledged)} lost" if lost else f"none of {len(acknowledged)} lost"
    return result + (f"; {len(unfound)} kept marked ones missed by the sparse index" if unfound else
                     "; the sparse index finds every kept marked one")


async def concurrent_increments(db) -> str:
    await db.counter.insert_one({"_id": "one", "n": 0})
    await asyncio.gather(*(db.counter.update_one({"_id": "one"}, {"$inc": {"n": 1}}) for _ in range(50)))
    kept = (await db.counter.find_one({"_id": "one"}))["n"]
    return f"{kept} of 50 kept"


async def accumulators(db) -> str:
    values = list(range(1, 101))
    await db.figures.insert_many([{"k": v % 2, "v": v, "w": 2 * v} for v in values])
    got = await (await db.figures.aggregate([{"$group": {
        "_id": None, "sum": {"$sum": "$v"}, "sum_w": {"$sum": "$w"}, "avg": {"$avg": "$v"},
        "max": {"$max": "$v"}, "min": {"$min": "$v"}}}])).to_list()
    want = {"sum": 5050, "sum_w": 10100, "avg": 50.5, "max": 100, "min": 1}
    wrong = [k for k, v in want.items() if not got or got[0].get(k) != v]
    return "right" if not wrong else f"wrong: {', '.join(wrong)}"


async def bulk_upserts(db) -> str:
    ops = [UpdateOne({"_id": n}, {"$set": {"n": n}}, upsert=True) for n in range(1000)]
    started = time.perf_counter()
    try:
        async with asyncio.timeout(30):
            result = await db.bulk.bulk_write(ops, ordered=False)
    except TimeoutError:
        return "never answered (30 s)"
    return f"answered, {result.upserted_count} upserted in {time.perf_counter() - started:.1f} s"


async def rename_drop_target(db) -> str:
    await db.shadow.insert_one({"_id": 1, "generation": "new"})
    await db.live.insert_one({"_id": 1, "generation": "old"})
    try:
        await db.shadow.rename("live", dropTarget=True)
    except Exception as error:
        return f"fails: {str(error).split(', full error')[0][:70]}"
    doc = await db.live.find_one({"_id": 1})
    return "works" if doc and doc["generation"] == "new" else "wrong result"


async def speed(db, results: dict[str, str]) -> None:
    """Fills the collection to each size with insert_many, then measures reads and updates by `_id` for a while."""
    coll, filled = db.listings, 0
    await coll.create_index("pending", sparse=True)  # the outbox marker's kind of index
    for size in (1_000, 10_000):
        started = time.perf_counter()
        for start in range(filled, size, 1_000):
            await coll.insert_many([{"_id": n, "title": f"listing {n}", "price": n % 500, "supplier": f"s{n % 97}",
                                     "tags": ["argan", "cosmetics"], "text": "x" * 200}
                                    for n in range(start, start + 1000)])
        results[f"insert_many /s (to {size:,})"] = f"{(size - filled) / (time.perf_counter() - started):,.0f}"
        filled = size
        find = await rate(lambda n: coll.find_one({"_id": n}), 1, size, SPEED_SECONDS)
        bump = {"$inc": {"price": 1}}
        update = await rate(lambda n: coll.update_one({"_id": n}, bump), 16, size, SPEED_SECONDS)
        results[f"find_one by _id /s at {size:,}"] = f"{find:,.0f}"
        results[f"update_one by _id, 16 tasks /s at {size:,}"] = f"{update:,.0f}"
        guarded = await rate(lambda n: coll.update_one({"_id": n, "price": {"$gte": 0}}, bump), 16, size, SPEED_SECONDS)
        results[f"update_one by _id + a guard field /s at {size:,}"] = f"{guarded:,.0f}"
        await coll.update_many({"pending": {"$exists": True}}, {"$unset": {"pending": ""}})
        await coll.update_many({"_id": {"$gte": size - 10}}, {"$set": {"pending": True}})
        marked = await rate(lambda _: coll.find({"pending": {"$exists": True}}).to_list(), 1, 1, SPEED_SECONDS)
        results[f"find the 10 marked (sparse index) /s at {size:,}"] = f"{marked:,.0f}"


async def _check(c: Candidate, label: str, check: Awaitable[str | None]) -> None:
    """One check; its failure is its result (a store that cannot do something is a finding, not a crash)."""
    try:
        result = await check
    except Exception as error:
        result = f"fails: {str(error).split(', full error')[0][:70]}"
    if result is not None:
        c.results[label] = result


async def measure(c: Candidate) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"tijara-{c.name}-"))
    folder.chmod(0o755)  # PostgreSQL runs as its own user and must reach its data folder
    try:
        c.prepare(folder)
        _spawn(c, folder)
        await _ready()
        await _check(c, "acknowledged writes after kill -9", durability(c, folder))
        client = _client()
        db = client.bench
        await _check(c, "50 concurrent $inc on one document", concurrent_increments(db))
        await _check(c, "$sum, $sum, $avg, $max, $min in one $group", accumulators(db))
        await _check(c, "renameCollection + dropTarget", rename_drop_target(db))
        await _check(c, "speed", speed(db, c.results))
        await _check(c, "bulk of 1,000 upserts", bulk_upserts(db))  # last: a store that hangs here stays hung
        await client.close()
    except Exception as error:
        c.results["error"] = f"{type(error).__name__}: {str(error)[:80]}"
    finally:
        _kill(c)
        c.finish(folder)
        shutil.rmtree(folder, ignore_errors=True)


def report(found: list[Candidate]) -> None:
    table = Table(title="MongoDB-wire stores, same pymongo script, one run")
    table.add_column("")
    for c in found:
        table.add_column(c.name)
    rows = dict.fromkeys(k for c in found for k in c.results)
    for row in rows:
        table.add_row(row, *(c.results.get(row, "—") for c in found))
    console.print(table)


def main(only: list[str] = typer.Option([], help="measure only these candidates")) -> None:
    stack.provision_store()
    store.provision_ferretdb(stack.HOME, stack._run)
    found = [c for c in candidates() if not only or c.name in only]
    for c in found:
        console.print(f"measuring [bold]{c.name}[/] …")
        asyncio.run(measure(c))
    report(found)


if __name__ == "__main__":
    typer.run(main)

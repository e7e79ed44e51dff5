"""What recording a contact read costs the read: GET /suppliers/{id}/contact in-process (ASGI) on the real store,
each request timed, in rounds alternating three ways of recording — as the service does (queued, written by one
writer in batches: shared.web.privacy.ReadLog), not at all (the limit), and one insert awaited in the request — serially
and with 16 concurrent readers. Prints median and p90 per way and the ratio to the limit.

    KAFKA_BOOTSTRAP_SERVERS=... MONGODB_URL=... .venv/bin/python -m bench.contact_reads
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from services.onboarding.main import Settings, build
from shared.web.privacy import ReadLog
from tests import factories
from tests.integration.helpers import serving
from tests.tokens import running_issuer

WAYS = ("recorded (queued, batched)", "not recorded (limit)", "one insert awaited")


async def measure(issuer, rounds: int = 9, per_round: int = 48, readers: int = 1) -> dict[str, list[float]]:
    unique = uuid.uuid4().hex[:8]
    settings = Settings(kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                        mongodb_url=os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017/"),
                        mongodb_database=f"bench_{unique}_onboarding", consumer_group_id=f"bench.{unique}",
                        oidc_issuer=issuer.url, topic_replication_factor=1, topic_min_insync_replicas=1)
    app = build(settings)
    timings: dict[str, list[float]] = {way: [] for way in WAYS}
    note = ReadLog.note
    try:
        async with serving(app) as http:
            made = await http.post("/suppliers", headers=issuer.auth("partner:clementia"), json={
                "profile": factories.profile().model_dump(mode="json"), "documents": factories.documents()})
            path, staff = f"/suppliers/{made.json()['supplier_id']}/contact", issuer.auth("staff")
            log = app.state.personal_data.reads

            async def reader(way: str, count: int) -> None:
                for _ in range(count):
                    started = time.perf_counter()
                    assert (await http.get(path, headers=staff)).status_code == 200
                    if way == WAYS[2]:
                        await log.reads.insert_one({"record": "bench", "read_at": time.time()})
                    timings[way].append(time.perf_counter() - started)

            for n in range(rounds):
                way = WAYS[n % 3]
                ReadLog.note = note if way == WAYS[0] else (lambda *_, **__: None)
                await asyncio.gather(*(reader(way, per_round // readers) for _ in range(readers)))
                await log.settle()
            await app.state.runtime.client.drop_database(settings.database)
    finally:
        ReadLog.note = note
    return timings


def report(title: str, timings: dict[str, list[float]]) -> None:
    limit = statistics.median(timings[WAYS[1]])
    print(f"\n{title}")
    for way, seconds in timings.items():
        p50, p90 = statistics.median(seconds), sorted(seconds)[int(len(seconds) * 0.9)]
        print(f"  {way:28} median {p50 * 1000:6.2f} ms  p90 {p90 * 1000:6.2f} ms  ({p50 / limit:.2f}× the limit)"
              f"  n={len(seconds)}")


def main() -> None:
    with running_issuer(Path(tempfile.mkdtemp())) as issuer:
        report("one reader at a time", asyncio.run(measure(issuer)))
        report("16 concurrent readers", asyncio.run(measure(issuer, per_round=160, readers=16)))


if __name__ == "__main__":
    main()

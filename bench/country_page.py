"""Country page latency and throughput, with the page cache off and on, measured in one run.

    make run            # once, so the `run` stack holds the demo marketplace; then Ctrl-C
    .venv/bin/python -m bench.country_page --requests 200 --concurrency 8

Starts the `run` stack if needed, then a showcase process twice on the same read model (PAGE_CACHE_SECONDS=0, then
1.0) and drives `/api/countries/ma` sequentially and concurrently. Prints p50/p95 latency, requests/s and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from deploy.local import stack
from deploy.local.marketplace import Marketplace


async def drive(url: str, requests: int, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60) as http:

        async def one() -> None:
            async with gate:
                started = time.perf_counter()
                response = await http.get(url)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        return latencies, time.perf_counter() - started


def measure(profile: stack.Profile, cache_seconds: str, requests: int, concurrency: int) -> dict[str, float]:
    market = Marketplace(profile.bootstrap, profile.mongodb_url, log_dir=profile.dir / "bench-logs",
                         extra_env={"PAGE_CACHE_SECONDS": cache_seconds})
    market.start("showcase")
    try:
        market.wait_ready(60, "showcase")
        url = f"{market.url('showcase')}/api/countries/ma"
        products = httpx.get(url, timeout=60).json()["headline"]["products"]
        sequential, _ = asyncio.run(drive(url, max(20, requests // 5), 1))
        concurrent, elapsed = asyncio.run(drive(url, requests, concurrency))
    finally:
        market.stop()
    q = statistics.quantiles(concurrent, n=20)
    return {"products": products, "seq_p50_ms": statistics.median(sequential) * 1000,
            "p50_ms": statistics.median(concurrent) * 1000, "p95_ms": q[18] * 1000, "rps": requests / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    profile = stack.up("run")
    off = measure(profile, "0", args.requests, args.concurrency)
    on = measure(profile, "1.0", args.requests, args.concurrency)
    print(f"country page /api/countries/ma, {off['products']} products shown, {args.requests} requests, "
          f"concurrency {args.concurrency}")
    for name, row in (("cache off", off), ("cache 1 s", on)):
        print(f"  {name:9}  sequential p50 {row['seq_p50_ms']:7.1f} ms   concurrent p50 {row['p50_ms']:7.1f} ms   "
              f"p95 {row['p95_ms']:7.1f} ms   {row['rps']:6.1f} req/s")
    print(f"  ratio      sequential p50 x{off['seq_p50_ms'] / on['seq_p50_ms']:.1f} faster, "
          f"throughput x{on['rps'] / off['rps']:.1f}")


if __name__ == "__main__":
    main()

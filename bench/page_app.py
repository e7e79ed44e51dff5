"""The showcase app as `python -m services.showcase` runs it, plus the benchmark's limit: a FastAPI hello endpoint
on the same app and uvicorn server (bench/page.py starts this instead of the plain service), and the garbage
collector's pauses in this process (`/bench/gc`), so the benchmark can tell a GC pause from queueing."""

import functools
import gc
import os
import time

import uvicorn

from services.showcase import main as showcase
from services.showcase.main import Settings, build
from shared.web.runtime import serve

PAUSES: dict[int, list[float]] = {0: [], 1: [], 2: []}  # per generation, seconds
_started: list[float] = []


def _timed(phase: str, info: dict) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        PAUSES[info["generation"]].append(time.perf_counter() - _started[0])


async def _nothing() -> None:
    pass


def main() -> None:
    """BENCH_NO_FREEZE=1 / BENCH_ASYNCIO=1 take gc.freeze / uvloop and httptools away, for comparisons."""
    if os.environ.get("BENCH_NO_FREEZE"):
        showcase.freeze_loaded_heap = _nothing
    if os.environ.get("BENCH_ASYNCIO"):
        uvicorn.run = functools.partial(uvicorn.run, loop="asyncio", http="h11")
    settings = Settings()
    app = build(settings)

    @app.get("/bench/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/bench/gc")
    async def collections() -> dict:
        """Collections so far per generation: how many, the longest and the total pause (ms); resets them."""
        answer = {str(g): {"count": len(p), "max_ms": max(p, default=0) * 1000, "total_ms": sum(p) * 1000}
                  for g, p in PAUSES.items()}
        for p in PAUSES.values():
            p.clear()
        return answer | {"frozen_objects": gc.get_freeze_count()}

    gc.callbacks.append(_timed)
    serve(app, settings)


if __name__ == "__main__":
    main()

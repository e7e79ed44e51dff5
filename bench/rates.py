"""Shared by the benchmarks: how many operations a second some tasks complete in a fixed time."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable


async def rate(op: Callable[[int], Awaitable[object]], tasks: int, keys: int, seconds: float) -> float:
    """`tasks` workers call `op` with a random key below `keys` for `seconds`; operations per second."""
    done, started = 0, time.perf_counter()
    deadline = started + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await op(random.randrange(keys))
            done += 1

    await asyncio.gather(*(worker() for _ in range(tasks)))
    return done / (time.perf_counter() - started)

"""Shared by the benchmarks: how many operations a second some tasks complete in a fixed time, and the CPU time a
process has used."""

from __future__ import annotations

import asyncio
import os
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

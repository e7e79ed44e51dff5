"""Shared by the benchmarks: how many operations a second some tasks complete in a fixed time, the CPU time processes
use (the bench's own, a service's, the test stack's store and broker), and the rate those CPU costs allow on this
machine's cores."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable

from deploy.local import stack


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


def servers() -> dict[str, int]:
    """The test stack's store and broker processes, by name."""
    p = stack.profile("test")
    return {name: pid for name in ("store", "kafka") if (pid := stack.running(p, name))}


def ceiling(cpu_per_event_us: dict[str, float]) -> float:
    """Events/s this machine's cores could carry at most if the processes that share them spent these CPU µs an
    event (each process's own figure, summed) and never waited: what a ratio to a raw limit can reach here."""
    total = sum(cpu_per_event_us.values())
    return (os.cpu_count() or 1) * 1e6 / total if total else float("inf")


class Busy:
    """CPU seconds each process spends from now on, over the wall-clock seconds: 1.0 is one core all the time.
    Says what bounds a pipeline on two cores: its own process, the store, the broker or another."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.started, self.cpu = time.perf_counter(), {name: cpu_seconds(pid) for name, pid in pids.items()}

    def seconds(self) -> dict[str, float]:
        """CPU seconds each process has spent since this started."""
        return {name: cpu_seconds(pid) - self.cpu[name] for name, pid in self.pids.items()}

    def shares(self) -> dict[str, float]:
        wall = time.perf_counter() - self.started
        return {name: spent / wall for name, spent in self.seconds().items()}

    def per_event(self, events: int) -> dict[str, float]:
        """CPU µs each process spent per event since this started."""
        return {name: spent * 1e6 / events for name, spent in self.seconds().items()}

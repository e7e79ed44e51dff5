"""tijara_dependency_up follows what each dependency answers, on its own schedule (no servers: fakes)."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

from prometheus_client import REGISTRY

from shared.web import runtime


class _Store:
    def __init__(self) -> None:
        self.up = True

    async def command(self, name: str) -> dict:
        if not self.up:
            raise ConnectionError("store down")
        return {"ok": 1}


class _Broker:
    def __init__(self) -> None:
        self.up = True

    async def ping(self, timeout: float) -> bool:
        return self.up


def _up(dependency: str) -> float | None:
    return REGISTRY.get_sample_value("tijara_dependency_up", {"dependency": dependency})


async def test_the_watch_reports_each_dependency_down_and_up_again() -> None:
    store, broker = _Store(), _Broker()
    watch = asyncio.create_task(runtime._watch_dependencies(SimpleNamespace(db=store, broker=broker), 0.01))
    try:
        await asyncio.sleep(0.05)
        assert (_up("mongodb"), _up("kafka")) == (1, 1)
        broker.up = False
        await asyncio.sleep(0.05)
        assert (_up("mongodb"), _up("kafka")) == (1, 0)
        store.up, broker.up = False, True
        await asyncio.sleep(0.05)
        assert (_up("mongodb"), _up("kafka")) == (0, 1)
    finally:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch


def test_readiness_checks_are_read_from_the_environment_as_the_manifests_write_them(monkeypatch) -> None:
    from shared.settings import ServiceSettings

    for value, expected in (("[]", []), ('["mongodb"]', ["mongodb"])):
        monkeypatch.setenv("READINESS_CHECKS", value)
        assert ServiceSettings().readiness_checks == expected

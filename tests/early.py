"""Slow servers (JVMs: Keycloak, the ACL broker) begun in a thread at the end of collection when a collected test
uses their fixture: they start while the tests before their first user run (pytest runs tests on one core; the
other is mostly idle then), and the fixture takes the started server. `start` gets the pytest config, whose
`_tmp_path_factory` gives it a kept temporary folder (as the `tmp_path_factory` fixture would)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest


class EarlyStart:
    def __init__(self, fixture: str, start: Callable[[pytest.Config], Any], stop: Callable[[Any], None]) -> None:
        self.fixture, self.start, self.stop = fixture, start, stop
        self._begun: Future | None = None

    def begin(self, session) -> None:
        """From `pytest_collection_finish`: start now if a collected test needs the fixture."""
        if session.config.option.collectonly or not any(self.fixture in getattr(item, "fixturenames", ())
                                                        for item in session.items):
            return
        starting = ThreadPoolExecutor(1, thread_name_prefix=f"{self.fixture}-start")
        self._begun = starting.submit(self.start, session.config)
        starting.shutdown(wait=False)

    def take(self, config: pytest.Config) -> Any:
        """From the fixture: the server begun at collection (waiting for it), else one started now."""
        begun, self._begun = self._begun, None
        return begun.result() if begun else self.start(config)

    def as_fixture(self, doc: str):
        """The session fixture named `self.fixture`: the server begun at collection (or started now), stopped after
        the run."""
        def serve(pytestconfig):
            server = self.take(pytestconfig)
            try:
                yield server
            finally:
                self.stop(server)

        serve.__doc__ = doc
        return pytest.fixture(scope="session", name=self.fixture)(serve)

    def abandon(self) -> None:
        """From `pytest_sessionfinish`: stop a server no test came to take (a run stopped early, -x)."""
        begun, self._begun = self._begun, None
        if begun:
            with contextlib.suppress(Exception):
                self.stop(begun.result())

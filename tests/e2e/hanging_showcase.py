"""The showcase as `python -m services.showcase` runs it, except that its handler hangs on the events of suppliers
whose id starts with HANG_SUBJECT_PREFIX until the file HANG_RELEASE_FILE exists: a partition that stops moving in
a real process, scraped by a real Prometheus (tests/e2e/test_prometheus_alerts.py)."""

import asyncio
import os
from pathlib import Path

from services.showcase import main as showcase
from services.showcase.service import Showcase


def main() -> None:
    prefix, release = os.environ["HANG_SUBJECT_PREFIX"], Path(os.environ["HANG_RELEASE_FILE"])
    original = Showcase.apply

    async def apply_or_hang(self: Showcase, envelope) -> None:
        if envelope.subject.startswith(prefix):
            while not release.exists():  # no commit meanwhile: the records behind it wait
                await asyncio.sleep(0.2)
        await original(self, envelope)

    Showcase.apply = apply_or_hang
    showcase.main()


if __name__ == "__main__":
    main()

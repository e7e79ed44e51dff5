"""A dashboard of the marketplace's figures, rebuilt from the log on each run (tijara-events + DuckDB):

    pip install ./clients/python/tijara-events duckdb aiokafka      # in this repo: make setup (wheel into .venv)
    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 python -m examples.dashboard MA

Prints verified suppliers per region, products per category, inquiries per buyer country, and each verified
supplier's inquiries, share answered within 24 h and typical (mean) response time over the last 30 days, as JSON:
the same figures as the country page (`/api/countries/MA`), defined in docs/figures.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime

from examples.dashboard.figures import STREAMS, figures, fold, load
from examples.dashboard.log import read_to_end


def dashboard(bootstrap: str, country: str, prefix: str = "", now: datetime | None = None) -> dict:
    records = asyncio.run(read_to_end(bootstrap, [prefix + s for s in STREAMS]))
    folds, refused = fold(records, prefix)
    return {"country": country, "records": len(records), "refused": refused,
            **figures(load(folds), country, now or datetime.now(UTC))}


if __name__ == "__main__":
    print(json.dumps(dashboard(os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                               sys.argv[1] if len(sys.argv) > 1 else "MA",
                               os.environ.get("KAFKA_TOPIC_PREFIX", "")), indent=2))

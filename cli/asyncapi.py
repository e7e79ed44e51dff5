"""`make asyncapi`: export every service's AsyncAPI document to docs/asyncapi/ without connecting anywhere.

Lives outside `shared/` because it names the services; the kernel's `shared.contracts.asyncapi` only builds a document
from a running service's broker."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from shared.contracts.asyncapi import document, render

SERVICES = ("onboarding", "catalogue", "inquiries", "showcase", "partners", "notifications")


def service_document(service: str) -> dict[str, Any]:
    """Build the service's app without connecting anywhere, with settings that do not depend on the environment."""
    main = importlib.import_module(f"services.{service}.main")
    settings = main.Settings(kafka_bootstrap_servers="kafka:9092", kafka_topic_prefix="", consumer_group_id="",
                             log_level="WARNING")
    app = main.build(settings)
    return document(app.state.runtime)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/asyncapi")
    out.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        doc = service_document(service)
        path = out / f"{service}.json"
        path.write_text(render(doc))
        print(f"wrote {path}")
        try:
            import yaml
        except ImportError:  # PyYAML is a dev dependency; the JSON is the reference
            continue
        (out / f"{service}.yaml").write_text(yaml.safe_dump(json.loads(render(doc)), sort_keys=True,
                                                             allow_unicode=True, width=120))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

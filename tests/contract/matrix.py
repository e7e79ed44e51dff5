"""The consumer-compatibility matrix: which consumer reads which event type, and how each cell came out. Filled by
test_consumer_matrix.py, printed at the end of the run by tests/contract/conftest.py."""

from __future__ import annotations

from cli.erasure_outcomes import READERS as OPERATORS
from services.catalogue.readers import READERS as CATALOGUE
from services.inquiries.readers import READERS as INQUIRIES
from services.notifications.readers import READERS as NOTIFICATIONS
from services.onboarding.readers import READERS as ONBOARDING
from services.partners.readers import READ as PARTNERS
from services.showcase.feed.readers import READERS as SHOWCASE

CONSUMERS = {"catalogue": CATALOGUE, "inquiries": INQUIRIES, "showcase": SHOWCASE, "onboarding": ONBOARDING,
             "partners": PARTNERS, "notifications": NOTIFICATIONS, "operators": OPERATORS}
"""Every consumer of a stream between services and its reader model per event type: the marketplace streams, the
partner command channel (partners.commands read by onboarding, partners.outcomes read by the partners service), and
the erasure outcomes (privacy.erasures, read by `tijara privacy erase`: cli/erasure_outcomes.py).
(Partner input is ingress, not a stream between services: it is validated strictly by the producer's model on
purpose.) Notifications reads the marketplace streams to tell people; it is a consumer like the others."""

SAMPLES = ("current/minimal", "current/full", "released/minimal", "released/full", "current/enum-value-added")

CELLS: dict[tuple[str, str], dict[str, str]] = {}
"""(ce_type, consumer) -> {sample: "ok" or the reason it was refused}."""


def render() -> list[str]:
    if not CELLS:
        return []
    consumers = list(CONSUMERS)
    types = sorted({t for t, _ in CELLS})
    width = max(len(t) for t in types)
    lines = [f"consumer-compatibility matrix: samples {', '.join(SAMPLES)} read by each consumer's reader",
             f"{'event type':<{width}}  " + "  ".join(f"{c:<{max(10, len(c))}}" for c in consumers)]
    for ce_type in types:
        row = []
        for consumer in consumers:
            cell = CELLS.get((ce_type, consumer))
            if cell is None:
                row.append(f"{'-':<{max(10, len(consumer))}}")
            else:
                passed = sum(v == "ok" for v in cell.values())
                mark = ('ok' if passed == len(cell) else 'FAIL') + f' {passed}/{len(cell)}'
                row.append(f"{mark:<{max(10, len(consumer))}}")
        lines.append(f"{ce_type:<{width}}  " + "  ".join(row))
    failures = [f"  {t} x {c} [{s}]: {why}" for (t, c), cell in sorted(CELLS.items())
                for s, why in cell.items() if why != "ok"]
    return lines + (["failed cells:", *failures] if failures else [])

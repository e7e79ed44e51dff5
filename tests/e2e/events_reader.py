"""Run by tests/e2e/test_events_package.py inside a fresh virtualenv that has only the tijara-events wheel and its
declared dependency (pydantic): decodes every record of a dumped log and recomputes the country page's figures as
docs/figures.md defines them, with tijara-events and the standard library alone.

    python events_reader.py records.jsonl <topic prefix> <country> <now, ISO 8601>   -> JSON on stdout
"""

from __future__ import annotations

import base64
import json
import sys
from collections import Counter
from datetime import datetime, timedelta

import tijara_events
from tijara_events import Fold, Undecodable, decode, known

NORTH_AMERICA = {"US", "CA", "MX"}  # as services/showcase/model/taxonomy.py: docs/figures.md


def records(path: str):
    with open(path) as lines:
        for line in lines:
            r = json.loads(line)
            headers = [(k, base64.b64decode(v)) for k, v in r["headers"]]
            value = None if r["value"] is None else base64.b64decode(r["value"])
            yield r, headers, value


def main(path: str, prefix: str, country: str, now: datetime) -> dict:
    folds: dict[str, Fold] = {}
    decoded, refused, added_later, unknown_types = 0, [], set(), set()
    for r, headers, value in records(path):
        try:
            event = decode(headers, value, topic=r["topic"], partition=r["partition"], offset=r["offset"])
        except Undecodable as error:
            refused.append(f"{r['topic']}:{r['partition']}:{r['offset']}: {error}")
            continue
        decoded += 1
        if not event.known:
            unknown_types.add(event.type)
        listing = getattr(event.data, "listing", None)
        for value_read in [getattr(listing, "category", None)] + list(getattr(getattr(event.data, "profile", None),
                                                                             "sectors", [])):
            if value_read is not None and not known(value_read):
                added_later.add(value_read)
        folds.setdefault(r["topic"].removeprefix(prefix), Fold()).apply(event)
    return {"version": tijara_events.__version__, "decoded": decoded, "refused": refused,
            "added_later": sorted(added_later), "unknown_types": sorted(unknown_types),
            **figures(folds, country, now)}


def figures(folds: dict[str, Fold], country: str, now: datetime) -> dict:
    """The page's figures (docs/figures.md), from the newest state of each supplier, product and inquiry."""
    verified = {s.id for s in folds.get("onboarding.suppliers", ()) if s["status"] == "verified"
                and s["profile"].get("country", "MA") == country}
    products = [p for p in folds.get("catalogue.products", ()) if p["status"] == "listed"
                and p.get("listing") and p["supplier_id"] in verified]
    since = now - timedelta(days=30)
    window = [i for i in folds.get("inquiries.inquiries", ()) if i["supplier_id"] in verified
              and datetime.fromisoformat(i["received_at"]) >= since]
    by_country = Counter(i["buyer_country"] for i in window)
    per_supplier = {}
    for supplier in verified:
        mine = [i for i in window if i["supplier_id"] == supplier]
        answers = [(datetime.fromisoformat(i["responded_at"]) - datetime.fromisoformat(i["received_at"]))
                   .total_seconds() for i in mine if i.get("responded_at")]
        per_supplier[supplier] = {
            "inquiries_30d": len(mine),
            "response_rate": round(sum(s <= 24 * 3600 for s in answers) / len(mine), 3) if mine else None,
            "typical_response_hours": round(sum(answers) / len(answers) / 3600, 2) if answers else None}
    return {"headline": {"verified_suppliers": len(verified), "products": len(products),
                         "categories": len({p["listing"]["category"] for p in products}),
                         "inquiries_30d": len(window),
                         "north_america_share": round(sum(by_country[c] for c in NORTH_AMERICA) / len(window), 3)
                         if window else 0.0},
            "products_per_category": dict(Counter(p["listing"]["category"] for p in products)),
            "inquiries_per_buyer_country": dict(by_country), "suppliers": per_supplier}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], sys.argv[3], datetime.fromisoformat(sys.argv[4]))))

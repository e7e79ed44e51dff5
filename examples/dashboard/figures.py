"""The dashboard's figures: the marketplace's events folded to their newest state with tijara-events, loaded into
DuckDB (in memory), and the country page's figures as SQL, each as docs/figures.md defines it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import duckdb
from tijara_events import Fold, Undecodable, decode_record

NORTH_AMERICA = "('US', 'CA', 'MX')"  # the page's "North America" (services/showcase/model/taxonomy.py), as SQL
STREAMS = ("onboarding.suppliers", "catalogue.products", "inquiries.inquiries")


def fold(records: Iterable, prefix: str = "") -> tuple[dict[str, Fold], list[str]]:
    """One fold per stream, and the records that could not be decoded (logged, never blocking)."""
    folds, refused = {stream: Fold() for stream in STREAMS}, []
    for record in records:
        try:
            event = decode_record(record)
        except Undecodable as error:
            refused.append(f"{record.topic}:{record.partition}:{record.offset}: {error}")
            continue
        stream = record.topic.removeprefix(prefix)
        if stream in folds:
            folds[stream].apply(event)
    return folds, refused


def load(folds: dict[str, Fold]) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    db.execute("CREATE TABLE suppliers (supplier_id VARCHAR, status VARCHAR, country VARCHAR, region VARCHAR)")
    db.execute("CREATE TABLE products (product_id VARCHAR, supplier_id VARCHAR, status VARCHAR, category VARCHAR)")
    db.execute("CREATE TABLE inquiries (inquiry_id VARCHAR, supplier_id VARCHAR, buyer_country VARCHAR, "
               "received_at TIMESTAMPTZ, responded_at TIMESTAMPTZ)")
    rows = {
        "suppliers": [(s.id, s["status"], s["profile"].get("country", "MA"), s["profile"]["region"])
                      for s in folds["onboarding.suppliers"]],
        "products": [(p.id, p["supplier_id"], p["status"], p["listing"]["category"])
                     for p in folds["catalogue.products"] if p.get("listing")],
        "inquiries": [(i.id, i["supplier_id"], i["buyer_country"], i["received_at"], i.get("responded_at"))
                      for i in folds["inquiries.inquiries"]],
    }
    for table, values in rows.items():
        if values:
            db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(values[0]))})", values)
    return db


def figures(db: duckdb.DuckDBPyConnection, country: str, now: datetime) -> dict:
    """What the country page of `country` shows at `now` (docs/figures.md)."""
    db.execute("CREATE OR REPLACE TEMP TABLE verified AS "
               "SELECT * FROM suppliers WHERE status = 'verified' AND country = ?", [country])
    db.execute("CREATE OR REPLACE TEMP TABLE shown_products AS "
               "SELECT p.* FROM products p JOIN verified USING (supplier_id) WHERE p.status = 'listed'")
    db.execute("CREATE OR REPLACE TEMP TABLE window_inquiries AS "
               "SELECT i.*, date_diff('microsecond', i.received_at, i.responded_at) / 1e6 AS seconds "
               "FROM inquiries i JOIN verified USING (supplier_id) WHERE i.received_at >= ?",
               [now - timedelta(days=30)])

    def one(sql: str) -> int:
        return db.execute(sql).fetchone()[0]

    total = one("SELECT count(*) FROM window_inquiries")
    north_america = one(f"SELECT count(*) FROM window_inquiries WHERE buyer_country IN {NORTH_AMERICA}")
    return {
        "headline": {
            "verified_suppliers": one("SELECT count(*) FROM verified"),
            "products": one("SELECT count(*) FROM shown_products"),
            "categories": one("SELECT count(DISTINCT category) FROM shown_products"),
            "inquiries_30d": total,
            "north_america_share": round(north_america / total, 3) if total else 0.0},
        "verified_suppliers_per_region": dict(db.execute(
            "SELECT region, count(*) FROM verified GROUP BY region ORDER BY region").fetchall()),
        "products_per_category": dict(db.execute(
            "SELECT category, count(*) FROM shown_products GROUP BY category ORDER BY category").fetchall()),
        "inquiries_per_buyer_country": dict(db.execute(
            "SELECT buyer_country, count(*) FROM window_inquiries GROUP BY 1 ORDER BY 1").fetchall()),
        "suppliers": {supplier: {"inquiries_30d": n,
                                 "response_rate": round(in_24h / n, 3),
                                 "typical_response_hours": None if mean is None else round(mean / 3600, 2)}
                      for supplier, n, in_24h, mean in db.execute(
            "SELECT supplier_id, count(*), count(*) FILTER (WHERE seconds <= 86400), avg(seconds) "
            "FROM window_inquiries GROUP BY supplier_id ORDER BY supplier_id").fetchall()},
    }

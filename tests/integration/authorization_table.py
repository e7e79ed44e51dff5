"""docs/authorization.md read as data, every route of a built app, and a real request for each row: what the matrix
test holds against each other (tests/integration/test_authorization_matrix.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests import factories

DOC = Path(__file__).resolve().parents[2] / "docs" / "authorization.md"
IN_STEP = "in step"  # ✓ while the supplier awaits the caller's step (an agency's, an inspection body's), else 403


def _table(marker: str) -> tuple[list[str], list[list[str]]]:
    text = DOC.read_text()
    table = text.split(f"<!-- {marker} -->")[1].split(f"<!-- /{marker} -->")[0]
    rows = [[c.strip().strip("`") for c in line.strip().strip("|").split("|")] for line in table.strip().splitlines()]
    return rows[0], rows[2:]


def bearer_table() -> tuple[list[str], dict[tuple[str, str], dict[str, str]]]:
    """The callers (columns) and, per (service, route), each caller's expected verdict."""
    header, body = _table("authorization-matrix")
    callers = header[2:]
    return callers, {(r[0], r[1]): dict(zip(callers, r[2:], strict=True)) for r in body}


def partner_key_routes() -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in _table("partner-key-routes")[1]}


def infrastructure_routes() -> dict[str, str]:
    """Route -> why it is public on every service."""
    return {r[0]: r[1] for r in _table("infrastructure-routes")[1]}


def routes(app: FastAPI) -> set[str]:
    """`METHOD /path` of every route the app serves, in its OpenAPI or kept out of it (a mounted app: its path).
    HEAD beside GET is Starlette answering GET's HEAD, not a route of its own."""
    found = set()
    for route in iter_route_contexts(app.routes):
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")
        found |= {f"{method} {route.path}" for method in methods} if methods else {route.path}
    return found


def every_route(apps: dict[str, FastAPI]) -> set[tuple[str, str]]:
    return {(service, route) for service, app in apps.items() for route in routes(app)}


def unlisted(apps: dict[str, FastAPI]) -> list[tuple[str, str]]:
    """Routes with no row in any of the three tables: each one fails the matrix test."""
    listed = set(bearer_table()[1]) | partner_key_routes()
    infrastructure = infrastructure_routes()
    return sorted(r for r in every_route(apps) if r not in listed and r[1] not in infrastructure)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: dict | None = None
    params: dict | None = None
    form: dict | None = None
    versioned: bool = True  # a write that lets through moves the aggregate's version (preferences do not)


def calls(ids: dict[str, str]) -> dict[tuple[str, str], Call]:
    """A real request for each row, aimed at real targets: (service, route as in the table) -> Call."""
    sup, cat_sup, product, inquiry = ids["supplier"], ids["catalogue supplier"], ids["product"], ids["inquiry"]
    partner, key = ids["partner"], ids["key"]
    listing = factories.listing().model_dump(mode="json")
    application = {"profile": factories.profile().model_dump(mode="json"), "documents": factories.documents()}
    inspected_on = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    ask = {"product_id": product, "buyer_company": "Great Lakes Foods", "buyer_country": "CA",
           "contact_email": "buyer@greatlakes.example.com", "quantity": 10, "unit": "carton", "message": "Quote?"}
    past = {"request": ask, "received_at": (datetime.now(UTC) - timedelta(days=30)).isoformat()}
    s, o = f"/suppliers/{sup}", "onboarding"
    return {
        (o, "POST /suppliers"): Call("POST", "/suppliers", application),
        (o, "GET /suppliers/{supplier_id}"): Call("GET", s),
        (o, "GET /suppliers/{supplier_id}/contact"): Call("GET", f"{s}/contact"),
        (o, "POST /suppliers/contacts"): Call("POST", "/suppliers/contacts", {"supplier_ids": [sup]}),
        (o, "PUT /suppliers/{supplier_id}/preferences"): Call("PUT", f"{s}/preferences", {"language": "fr"},
                                                               versioned=False),
        (o, "POST /suppliers/{supplier_id}/documents/{kind}/review"):
            Call("POST", f"{s}/documents/RC extract/review", {"accepted": True}),
        (o, "POST /suppliers/{supplier_id}/documents-verification"): Call("POST", f"{s}/documents-verification"),
        (o, "POST /suppliers/{supplier_id}/endorsement"): Call("POST", f"{s}/endorsement", {"agency": "AMDIE"}),
        (o, "POST /suppliers/{supplier_id}/inspection"): Call("POST", f"{s}/inspection", {
            "body": "SGS", "report_id": "SGS-MX-1", "passed": True, "inspected_on": inspected_on}),
        (o, "POST /suppliers/{supplier_id}/verification"): Call("POST", f"{s}/verification",
                                                                {"decision": "verified"}),
        (o, "POST /suppliers/{supplier_id}/rejection"): Call("POST", f"{s}/rejection", {"reason": "matrix"}),
        (o, "POST /suppliers/{supplier_id}/suspension"): Call("POST", f"{s}/suspension", {"reason": "matrix"}),
        (o, "POST /suppliers/{supplier_id}/reinstatement"): Call("POST", f"{s}/reinstatement"),
        (o, "POST /operations/verification-expiry"): Call("POST", "/operations/verification-expiry"),
        (o, "GET /suppliers/{supplier_id}/contact-reads"): Call("GET", f"{s}/contact-reads"),
        **privacy_calls(o, {"supplier_id": sup}),
        **privacy_calls("inquiries", {"inquiry_id": inquiry}),
        ("catalogue", "POST /products"): Call("POST", "/products", {"supplier_id": cat_sup, "listing": listing}),
        ("catalogue", "GET /products"): Call("GET", "/products", params={"supplier_id": cat_sup}),
        ("catalogue", "GET /products/{product_id}"): Call("GET", f"/products/{product}"),
        ("catalogue", "PUT /products/{product_id}/listing"): Call("PUT", f"/products/{product}/listing",
                                                                  {"listing": listing}),
        ("catalogue", "POST /products/{product_id}/delisting"): Call("POST", f"/products/{product}/delisting",
                                                                    {"reason": "matrix"}),
        ("catalogue", "POST /products/{product_id}/relisting"): Call("POST", f"/products/{product}/relisting"),
        ("inquiries", "POST /inquiries"): Call("POST", "/inquiries", ask),
        ("inquiries", "POST /inquiries/history"): Call("POST", "/inquiries/history", past),
        ("inquiries", "GET /inquiries"): Call("GET", "/inquiries", params={"supplier_id": cat_sup}),
        ("inquiries", "GET /inquiries/{inquiry_id}"): Call("GET", f"/inquiries/{inquiry}"),
        ("inquiries", "GET /inquiries/{inquiry_id}/correspondence"): Call("GET", f"/inquiries/{inquiry}/"
                                                                                 "correspondence"),
        ("inquiries", "POST /inquiries/correspondence"): Call("POST", "/inquiries/correspondence",
                                                              {"inquiry_ids": [inquiry]}),
        ("inquiries", "POST /inquiries/{inquiry_id}/response"): Call("POST", f"/inquiries/{inquiry}/response",
                                                                     {"message": "Yes"}),
        ("inquiries", "POST /inquiries/{inquiry_id}/closing"): Call("POST", f"/inquiries/{inquiry}/closing", {}),
        **showcase_calls(cat_sup, product),
        ("partners", "GET /partners"): Call("GET", "/partners"),
        ("partners", "POST /partners"): Call("POST", "/partners", {"partner_id": "matrix-new", "name": "Matrix",
                                                                   "kind": "onboarding-partner"}),
        ("partners", "GET /partners/{partner_id}"): Call("GET", f"/partners/{partner}"),
        ("partners", "POST /partners/{partner_id}/keys"): Call("POST", f"/partners/{partner}/keys"),
        ("partners", "POST /partners/{partner_id}/keys/{key_id}/revocation"):
            Call("POST", f"/partners/{partner}/keys/{key}/revocation"),
        ("partners", "PUT /partners/{partner_id}/webhook"): Call("PUT", f"/partners/{partner}/webhook",
                                                                 {"url": "https://partner.example/hooks"}),
        ("partners", "DELETE /partners/{partner_id}/webhook"): Call("DELETE", f"/partners/{partner}/webhook"),
        ("partners", "GET /partners/{partner_id}/contact"): Call("GET", f"/partners/{partner}/contact"),
        **privacy_calls("partners", {"partner_id": partner}),
        ("partners", "POST /partner-events"): Call("POST", "/partner-events", {"supplier_id": sup}),
        # a link's token that is not valid (400 for everyone: the route is open, the signature is what guards it)
        ("notifications", "GET /unsubscribe"): Call("GET", "/unsubscribe", params={"token": "not.signed"}),
        ("notifications", "POST /unsubscribe"): Call("POST", "/unsubscribe", params={"token": "not.signed"},
                                                     form={"List-Unsubscribe": "One-Click"}),
        **{k: v for k, v in privacy_calls("notifications", {}).items() if k[1] != "GET /privacy/reads"},
        ("notifications", "GET /messages"): Call("GET", "/messages"),
        ("notifications", "GET /messages/{key}"): Call("GET", "/messages/no-such-message"),
        ("notifications", "POST /messages/{key}/retry"): Call("POST", "/messages/no-such-message/retry"),
        ("partners", "GET /partner-events/{ce_id}"): Call("GET", "/partner-events/matrix-event"),
        ("partners", "GET /partner-events"): Call("GET", "/partner-events"),
        ("partners", "GET /partner-suppliers"): Call("GET", "/partner-suppliers"),
    }


def privacy_calls(service: str, whose: dict) -> dict[tuple[str, str], Call]:
    """The operator's personal-data routes, about a person the marketplace does not know (nothing is erased)."""
    nobody = {"email": "matrix-nobody@example.com"}
    return {(service, "GET /privacy/reads"): Call("GET", "/privacy/reads", params=whose),
            (service, "POST /privacy/erasure"): Call("POST", "/privacy/erasure", nobody),
            (service, "POST /privacy/export"): Call("POST", "/privacy/export", nobody),
            (service, "POST /privacy/retention"): Call("POST", "/privacy/retention", params={"dry_run": "true"})}


def showcase_calls(supplier: str, product: str) -> dict[tuple[str, str], Call]:
    # the form with its honeypot filled: the showcase answers without forwarding anything to inquiries
    form = {"supplier_id": supplier, "website": "http://matrix.example"}
    return {("showcase", route): Call(route.split()[0], path, form=form if route.startswith("POST") else None)
            for route, path in {
                "GET /": "/", "GET /countries/{code}": "/countries/ma", "GET /api/countries/{code}": "/api/countries/ma",
                "GET /countries/{code}/suppliers/{supplier_id}": f"/countries/ma/suppliers/{supplier}",
                "GET /api/countries/{code}/suppliers/{supplier_id}": f"/api/countries/ma/suppliers/{supplier}",
                "GET /countries/{code}/products/{product_id}": f"/countries/ma/products/{product}",
                "GET /api/countries/{code}/products/{product_id}": f"/api/countries/ma/products/{product}",
                "POST /countries/{code}/inquiries": "/countries/ma/inquiries?lang=fr",
                "GET /countries/{code}/inquiries/sent": "/countries/ma/inquiries/sent",
                "GET /sitemap.xml": "/sitemap.xml", "GET /sitemaps/{part}.xml": "/sitemaps/0.xml",
                "GET /robots.txt": "/robots.txt", "GET /media/placeholder/{category}.svg":
                    "/media/placeholder/seafood.svg",
            }.items()}

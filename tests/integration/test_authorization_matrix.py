"""Every endpoint of every service × every caller, against the README's table (parsed from it, so the table and
the behaviour cannot drift apart). The five services run in-process on the real Kafka and MongoDB-wire server with
the local issuer as its own process; a refused write must leave the supplier, product and inquiry untouched."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from deploy.local import issuer as local_issuer
from services.catalogue.main import Settings as CatalogueSettings
from services.catalogue.main import build as build_catalogue
from services.inquiries.main import Settings as InquiriesSettings
from services.inquiries.main import build as build_inquiries
from services.onboarding.main import Settings as OnboardingSettings
from services.onboarding.main import build as build_onboarding
from services.partners.domain import PartnerKind
from services.partners.main import Settings as PartnersSettings
from services.partners.main import build as build_partners
from services.showcase.main import Settings as ShowcaseSettings
from services.showcase.main import build as build_showcase
from shared.envelope import Envelope
from tests import factories
from tests.integration.helpers import eventually, publish, serving

README = Path(__file__).resolve().parents[2] / "README.md"
BAD_TOKENS = ("expired", "wrong audience", "wrong issuer", "alg none", "tampered signature", "HS256 with public key")


def readme_matrix() -> tuple[list[str], dict[tuple[str, str], dict[str, str]]]:
    text = README.read_text()
    table = text.split("<!-- authorization-matrix -->")[1].split("<!-- /authorization-matrix -->")[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.strip().splitlines()]
    header, body = rows[0], [r for r in rows[2:]]
    callers = header[2:]
    return callers, {(r[0], r[1].strip("`")): dict(zip(callers, r[2:], strict=True)) for r in body}


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Tokens:
    """Tokens for every column: the roles with their organisations, and the six kinds of bad token, each claiming
    every role (so a verifier that let it through would show as ✓ instead of 401)."""

    def __init__(self, issuer, own_supplier: str) -> None:
        self.issuer = issuer
        self.key = local_issuer.load_or_create_key(issuer.key_file)
        self.own = own_supplier

    def headers(self, caller: str) -> dict[str, str]:
        roles = {"SME own": f"supplier:{self.own}", "SME other": "supplier:sup-someone-else",
                 "partner own": "partner:clementia", "partner other": "partner:atlas-digital",
                 "agency": "agency:AMDIE", "inspection": "inspection:SGS", "staff": "staff", "operator": "operator"}
        if caller == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.issuer.token(roles[caller]) if caller in roles else self.bad(caller)}"}

    def bad(self, kind: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer.url, "aud": "tijara", "sub": "mallory", "iat": now, "exp": now + 600,
                  "roles": ["supplier", "partner", "agency", "inspection", "staff", "operator"],
                  "organisation": self.own}
        kid = local_issuer.public_jwk(self.key)["kid"]
        sign = lambda c: jwt.encode(c, self.key, algorithm="RS256", headers={"kid": kid})  # noqa: E731
        if kind == "expired":
            return sign({**claims, "exp": now - 300})
        if kind == "wrong audience":
            return sign({**claims, "aud": "another-app"})
        if kind == "wrong issuer":
            return sign({**claims, "iss": "https://sso.evil.example"})
        if kind == "alg none":
            return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        if kind == "tampered signature":
            head, _, signature = sign({**claims, "roles": ["buyer"]}).split(".")
            return f"{head}.{_b64(claims)}.{signature}"
        public = self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
        signed = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}"
        return f"{signed}.{_b64(hmac.new(public, signed.encode(), hashlib.sha256).digest())}"


def requests(ids: dict[str, str]) -> dict[tuple[str, str], tuple[str, str, dict | None, dict | None]]:
    """(service, endpoint as in the README) -> (method, path, json body, query) with real targets."""
    sup, cat_sup, product, inquiry = ids["supplier"], ids["catalogue supplier"], ids["product"], ids["inquiry"]
    listing = factories.listing().model_dump(mode="json")
    application = {"profile": factories.profile().model_dump(mode="json"), "documents": factories.documents()}
    inspected_on = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    ask = {"product_id": product, "buyer_company": "Great Lakes Foods", "buyer_country": "CA",
           "contact_email": "buyer@greatlakes.example.com", "quantity": 10, "unit": "carton", "message": "Quote?"}
    return {
        ("onboarding", "POST /suppliers"): ("POST", "/suppliers", application, None),
        ("onboarding", "GET /suppliers/{id}"): ("GET", f"/suppliers/{sup}", None, None),
        ("onboarding", "POST /suppliers/{id}/documents/{kind}/review"):
            ("POST", f"/suppliers/{sup}/documents/RC extract/review", {"accepted": True}, None),
        ("onboarding", "POST /suppliers/{id}/documents-verification"):
            ("POST", f"/suppliers/{sup}/documents-verification", None, None),
        ("onboarding", "POST /suppliers/{id}/endorsement"): ("POST", f"/suppliers/{sup}/endorsement",
                                                             {"agency": "AMDIE"}, None),
        ("onboarding", "POST /suppliers/{id}/inspection"):
            ("POST", f"/suppliers/{sup}/inspection", {"body": "SGS", "report_id": "SGS-MX-1", "passed": True,
                                                     "inspected_on": inspected_on}, None),
        ("onboarding", "POST /suppliers/{id}/verification"): ("POST", f"/suppliers/{sup}/verification",
                                                              {"decision": "verified"}, None),
        ("onboarding", "POST /suppliers/{id}/rejection"): ("POST", f"/suppliers/{sup}/rejection",
                                                           {"reason": "matrix"}, None),
        ("onboarding", "POST /suppliers/{id}/suspension"): ("POST", f"/suppliers/{sup}/suspension",
                                                            {"reason": "matrix"}, None),
        ("onboarding", "POST /suppliers/{id}/reinstatement"): ("POST", f"/suppliers/{sup}/reinstatement", None, None),
        ("onboarding", "POST /operations/verification-expiry"): ("POST", "/operations/verification-expiry", None,
                                                                 None),
        ("catalogue", "POST /products"): ("POST", "/products", {"supplier_id": cat_sup, "listing": listing}, None),
        ("catalogue", "GET /products?supplier_id="): ("GET", "/products", None, {"supplier_id": cat_sup}),
        ("catalogue", "GET /products/{id}"): ("GET", f"/products/{product}", None, None),
        ("catalogue", "PUT /products/{id}/listing"): ("PUT", f"/products/{product}/listing", {"listing": listing},
                                                      None),
        ("catalogue", "POST /products/{id}/delisting"): ("POST", f"/products/{product}/delisting",
                                                         {"reason": "matrix"}, None),
        ("catalogue", "POST /products/{id}/relisting"): ("POST", f"/products/{product}/relisting", None, None),
        ("inquiries", "POST /inquiries"): ("POST", "/inquiries", ask, None),
        ("inquiries", "GET /inquiries?supplier_id="): ("GET", "/inquiries", None, {"supplier_id": cat_sup}),
        ("inquiries", "GET /inquiries/{id}"): ("GET", f"/inquiries/{inquiry}", None, None),
        ("inquiries", "POST /inquiries/{id}/response"): ("POST", f"/inquiries/{inquiry}/response",
                                                         {"message": "Yes"}, None),
        ("inquiries", "POST /inquiries/{id}/closing"): ("POST", f"/inquiries/{inquiry}/closing", {}, None),
        ("showcase", "GET /countries/{code}"): ("GET", "/countries/ma", None, None),
        ("showcase", "GET /api/countries/{code}"): ("GET", "/api/countries/ma", None, None),
        ("showcase", "GET /countries/{code}/suppliers/{id}"): ("GET", f"/countries/ma/suppliers/{cat_sup}", None,
                                                               None),
        ("showcase", "GET /api/countries/{code}/suppliers/{id}"): ("GET", f"/api/countries/ma/suppliers/{cat_sup}",
                                                                   None, None),
        ("partners", "GET /partners"): ("GET", "/partners", None, None),
        ("partners", "POST /partners"): ("POST", "/partners", {"partner_id": "matrix-new", "name": "Matrix",
                                                              "kind": "onboarding-partner"}, None),
        ("partners", "GET /partners/{id}"): ("GET", f"/partners/{ids['partner']}", None, None),
        ("partners", "POST /partners/{id}/keys"): ("POST", f"/partners/{ids['partner']}/keys", None, None),
        ("partners", "POST /partners/{id}/keys/{key id}/revocation"):
            ("POST", f"/partners/{ids['partner']}/keys/{ids['key']}/revocation", None, None),
        ("partners", "PUT /partners/{id}/webhook"): ("PUT", f"/partners/{ids['partner']}/webhook",
                                                     {"url": "https://partner.example/hooks"}, None),
        ("partners", "DELETE /partners/{id}/webhook"): ("DELETE", f"/partners/{ids['partner']}/webhook", None, None),
        ("partners", "GET /partners/{id}/contact"): ("GET", f"/partners/{ids['partner']}/contact", None, None),
    }


def verdict(status: int) -> str:
    return str(status) if status in (401, 403) else "✓"


@pytest.fixture
async def marketplace(settings_for, unique, infrastructure):
    """The five services in-process, on topics of their own (a prefix per test)."""
    apps = {}
    for name, (settings_class, build) in {"onboarding": (OnboardingSettings, build_onboarding),
                                          "catalogue": (CatalogueSettings, build_catalogue),
                                          "inquiries": (InquiriesSettings, build_inquiries),
                                          "showcase": (ShowcaseSettings, build_showcase),
                                          "partners": (PartnersSettings, build_partners)}.items():
        settings = settings_for(settings_class)
        settings.kafka_topic_prefix = f"authz{unique}."
        apps[name] = build(settings)
    async with contextlib.AsyncExitStack() as stack:
        yield {name: await stack.enter_async_context(serving(app)) for name, app in apps.items()}, apps


async def test_every_endpoint_answers_every_caller_exactly_as_the_readme_says(marketplace, issuer, infrastructure,
                                                                              unique) -> None:
    http, apps = marketplace
    prefix = f"authz{unique}."
    cat_sup = f"sup-authz-{unique}"
    # onboarding's supplier: applied for by Clementia; catalogue's and inquiries' supplier: verified on the stream
    created = await http["onboarding"].post("/suppliers", json={"profile": factories.profile().model_dump(mode="json"),
                                                               "documents": factories.documents()},
                                            headers=issuer.auth("partner:clementia"))
    supplier = created.json()["supplier_id"]
    verified = factories.supplier_verified(cat_sup)
    await publish(infrastructure.kafka, raw=[(f"{prefix}{e.topic}", e.key, e.value(), e.headers()) for e in
                                             [Envelope(verified, "/test")]])
    owner = issuer.auth(f"supplier:{cat_sup}")

    async def listed():
        answer = await http["catalogue"].post("/products", json={"listing": factories.listing().model_dump(
            mode="json")}, headers=owner)
        assert answer.status_code == 201, answer.text
        return answer.json()["product_id"]

    product = await eventually(listed)

    async def asked():
        answer = await http["inquiries"].post("/inquiries", json={
            "product_id": product, "buyer_company": "Great Lakes Foods", "buyer_country": "CA",
            "contact_email": "buyer@greatlakes.example.com", "quantity": 10, "unit": "carton", "message": "Hi"})
        assert answer.status_code == 201, answer.text
        return answer.json()["inquiry_id"]

    inquiry = await eventually(asked)
    registry = apps["partners"].state.ingress
    await registry.register("matrix-agency", "Matrix Agency", PartnerKind.EXPORT_AGENCY, organisation="ASMEX")
    key, _ = await registry.issue_key("matrix-agency")
    callers, expected = readme_matrix()
    cases = requests({"supplier": supplier, "catalogue supplier": cat_sup, "product": product, "inquiry": inquiry,
                      "partner": "matrix-agency", "key": key.key_id})
    assert set(cases) == set(expected), "the README's table and the tested endpoints differ"

    versions_before = await _versions(apps, supplier, product, inquiry)
    checked, unexpected, writes_through = 0, [], {"supplier": 0, "product": 0, "inquiry": 0}
    for (service, endpoint), (method, path, body, query) in cases.items():
        for caller in callers:
            own = supplier if service == "onboarding" else cat_sup
            tokens = Tokens(issuer, own)
            kinds = BAD_TOKENS if caller == "bad token" else (caller,)
            for kind in kinds:
                answer = await http[service].request(method, path, json=body, params=query,
                                                     headers=tokens.headers(kind))
                checked += 1
                got, want = verdict(answer.status_code), expected[(service, endpoint)][caller]
                if got != want:
                    unexpected.append(f"{service} {endpoint} as {kind}: {answer.status_code} {answer.text[:160]}")
                if answer.status_code in (401, 403):
                    body_json = answer.json()
                    assert set(body_json) >= {"error", "message"}, answer.text
                if answer.status_code == 401:
                    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="tijara"')
                    if kind != "anonymous":
                        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"], answer.headers
                if method != "GET" and 200 <= answer.status_code < 300:
                    target = _target_of(path, supplier, product, inquiry)
                    if target:
                        writes_through[target] += 1
    print(f"\nauthorization matrix: {checked} cases checked ({len(cases)} endpoints × {len(callers)} callers, "
          f"'bad token' as {len(BAD_TOKENS)} kinds), {len(unexpected)} unexpected")
    assert not unexpected, "\n".join(unexpected)
    versions_after = await _versions(apps, supplier, product, inquiry)
    for target, before in versions_before.items():  # nothing half-done: only the let-through writes changed them
        assert versions_after[target] - before == writes_through[target], (target, versions_after, writes_through)


def _target_of(path: str, supplier: str, product: str, inquiry: str) -> str | None:
    for name, identifier in (("supplier", supplier), ("product", product), ("inquiry", inquiry)):
        if re.search(rf"/{re.escape(identifier)}(/|$)", path):
            return name
    return None


async def _versions(apps, supplier: str, product: str, inquiry: str) -> dict[str, int]:
    return {"supplier": (await apps["onboarding"].state.onboarding.get(supplier)).version,
            "product": (await apps["catalogue"].state.catalogue.get(product)).version,
            "inquiry": (await apps["inquiries"].state.inquiries.get(inquiry)).version}

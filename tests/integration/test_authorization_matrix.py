"""Every route of every service × every caller, against docs/authorization.md (parsed from it, so the table and the
behaviour cannot drift apart). The routes come from the built apps themselves (in the OpenAPI and kept out of it):
a route without a row fails the test. The five services run in-process on the real Kafka and MongoDB-wire server
with the local issuer as its own process; a refused write must leave the supplier, product and inquiry untouched."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter

from deploy.local import issuer as local_issuer
from services.catalogue.main import Settings as CatalogueSettings
from services.catalogue.main import build as build_catalogue
from services.inquiries.main import Settings as InquiriesSettings
from services.inquiries.main import build as build_inquiries
from services.notifications.main import Settings as NotificationsSettings
from services.notifications.main import build as build_notifications
from services.onboarding.main import Settings as OnboardingSettings
from services.onboarding.main import build as build_onboarding
from services.partners.domain import PartnerKind
from services.partners.main import Settings as PartnersSettings
from services.partners.main import build as build_partners
from services.showcase.main import Settings as ShowcaseSettings
from services.showcase.main import build as build_showcase
from shared.contracts.envelope import Envelope
from tests import factories
from tests.integration.authorization_table import (
    IN_STEP,
    bearer_table,
    calls,
    every_route,
    infrastructure_routes,
    partner_key_routes,
    unlisted,
)
from tests.integration.helpers import eventually, publish, serving

BAD_TOKENS = ("expired", "wrong audience", "wrong issuer", "alg none", "tampered signature", "HS256 with public key")
SERVICES = {"onboarding": (OnboardingSettings, build_onboarding), "catalogue": (CatalogueSettings, build_catalogue),
            "inquiries": (InquiriesSettings, build_inquiries), "showcase": (ShowcaseSettings, build_showcase),
            "partners": (PartnersSettings, build_partners),
            "notifications": (NotificationsSettings, build_notifications)}


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
                 "agency": "agency:AMDIE", "inspection": "inspection:SGS", "staff": "staff", "operator": "operator",
                 "notifier": "notifier"}
        if caller == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.issuer.token(roles[caller]) if caller in roles else self.bad(caller)}"}

    def bad(self, kind: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer.url, "aud": "tijara", "sub": "mallory", "iat": now, "exp": now + 600,
                  "roles": ["supplier", "partner", "agency", "inspection", "staff", "operator", "notifier"],
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


def verdict(status: int) -> str:
    return str(status) if status in (401, 403) else "✓"


@pytest.fixture
async def marketplace(settings_for, unique, infrastructure):
    """The six services in-process, on topics of their own (a prefix per test)."""
    apps = {}
    for name, (settings_class, build) in SERVICES.items():
        settings = settings_for(settings_class)
        settings.kafka_topic_prefix = f"authz{unique}."
        apps[name] = build(settings)
    async with contextlib.AsyncExitStack() as stack:
        yield {name: await stack.enter_async_context(serving(app)) for name, app in apps.items()}, apps


def test_a_route_without_a_row_fails_the_table() -> None:
    """What the matrix test checks first, shown failing: routes added to a built app, one of them kept out of the
    OpenAPI, are named; every route the apps serve today has its row."""
    apps = {name: build(settings_class()) for name, (settings_class, build) in SERVICES.items()}
    assert unlisted(apps) == []
    hidden = APIRouter()
    hidden.add_api_route("/suppliers/{supplier_id}/everything", lambda supplier_id: {}, methods=["GET"],
                         include_in_schema=False)
    apps["onboarding"].include_router(hidden)
    apps["inquiries"].add_api_route("/inquiries/{inquiry_id}/forward", lambda inquiry_id: {}, methods=["POST"])
    assert unlisted(apps) == [("inquiries", "POST /inquiries/{inquiry_id}/forward"),
                              ("onboarding", "GET /suppliers/{supplier_id}/everything")]


async def test_every_route_answers_every_caller_exactly_as_the_table_says(marketplace, issuer, infrastructure,
                                                                         unique) -> None:
    http, apps = marketplace
    found, callers, expected = every_route(apps), *bearer_table()
    by_key, public = partner_key_routes(), infrastructure_routes()
    in_table = {r for r in found if r in expected or r in by_key}
    print(f"\nauthorization matrix: {len(found)} routes found in the {len(apps)} apps: {len(in_table)} with a row "
          f"({len(found & set(expected))} bearer, {len(found & by_key)} partner key), "
          f"{len(found) - len(in_table)} infrastructure routes excluded with a reason "
          f"({', '.join(sorted(public))})")
    assert not unlisted(apps), f"routes without a row in docs/authorization.md: {unlisted(apps)}"
    assert not (set(expected) | by_key) - found, f"rows for routes no app serves: {(set(expected) | by_key) - found}"
    assert all(any(route == r for _, r in found) for route in public), "an infrastructure row names no route"

    ids, outside, awaiting = await _targets(http, apps, issuer, infrastructure, unique)
    supplier, cat_sup, product, inquiry = ids["supplier"], ids["catalogue supplier"], ids["product"], ids["inquiry"]
    cases = calls(ids)
    assert set(cases) == set(expected) | by_key, "the table's rows and the tested calls differ"

    versions_before = await _versions(apps, supplier, product, inquiry)
    checked, unexpected, writes_through = 0, [], {"supplier": 0, "product": 0, "inquiry": 0}

    async def call(service, route, request, kind, want):
        nonlocal checked
        own = supplier if service == "onboarding" else cat_sup
        answer = await http[service].request(request.method, request.path, json=request.json,
                                             params=request.params, data=request.form,
                                             headers=Tokens(issuer, own).headers(kind))
        checked += 1
        if verdict(answer.status_code) != want:
            unexpected.append(f"{service} {route} as {kind}: {answer.status_code} {answer.text[:160]}")
        if answer.status_code in (401, 403):
            assert set(answer.json()) >= {"error", "message"}, answer.text
        return answer

    for (service, route), row in expected.items():
        for caller in callers:
            for kind in BAD_TOKENS if caller == "bad token" else (caller,):
                if row[caller] == IN_STEP:  # outside the caller's step a 403, in it let through
                    for target, want in ((outside, "403"), (awaiting, "✓")):
                        await call(service, route, calls({**ids, "supplier": target})[service, route], kind, want)
                    continue
                answer = await call(service, route, cases[service, route], kind, row[caller])
                if answer.status_code == 401:
                    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="tijara"')
                    if kind != "anonymous":
                        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"], answer.headers
                writing = cases[service, route].method != "GET" and cases[service, route].versioned
                if writing and 200 <= answer.status_code < 300:
                    target = _target_of(cases[service, route].path, supplier, product, inquiry)
                    if target:
                        writes_through[target] += 1
    for service, route in sorted(by_key):  # a bearer token, of any role, opens nothing where partners sign
        for caller in callers:
            for kind in BAD_TOKENS if caller == "bad token" else (caller,):
                await call(service, route, cases[service, route], kind, "401")
    for service, route in sorted(r for r in found if r[1] in public):
        answer = await http[service].get(route.split()[-1])
        assert answer.status_code not in (401, 403), (service, route, answer.status_code)
    print(f"authorization matrix: {checked} cases checked ({len(expected)} bearer rows and {len(by_key)} partner-key "
          f"rows × {len(callers)} callers, 'bad token' as {len(BAD_TOKENS)} kinds, 'in step' cells on a supplier "
          f"outside and one in the step), {len(unexpected)} unexpected")
    assert not unexpected, "\n".join(unexpected)
    versions_after = await _versions(apps, supplier, product, inquiry)
    for target, before in versions_before.items():  # nothing half-done: only the let-through writes changed them
        assert versions_after[target] - before == writes_through[target], (target, versions_after, writes_through)


async def _targets(http, apps, issuer, infrastructure, unique: str) -> tuple[dict[str, str], str, str]:
    """Real targets for the calls (ids by name), a supplier outside every agency's and inspection body's step and
    one awaiting them."""
    prefix = f"authz{unique}."
    cat_sup = f"sup-authz-{unique}"
    # onboarding's suppliers, applied for by Clementia; catalogue's and inquiries' below
    partner = issuer.auth("partner:clementia")
    supplier, outside, awaiting = [(await http["onboarding"].post("/suppliers", headers=partner, json={
        "profile": factories.profile().model_dump(mode="json"), "documents": factories.documents()})
    ).json()["supplier_id"] for _ in range(3)]
    step = await http["onboarding"].post(f"/suppliers/{awaiting}/documents-verification",
                                         headers=issuer.auth("staff"))
    assert step.json()["status"] == "documents-verified", step.text
    # catalogue's and inquiries' supplier: verified on the stream
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
    return {"supplier": supplier, "catalogue supplier": cat_sup, "product": product, "inquiry": inquiry,
            "partner": "matrix-agency", "key": key.key_id}, outside, awaiting


def _target_of(path: str, supplier: str, product: str, inquiry: str) -> str | None:
    for name, identifier in (("supplier", supplier), ("product", product), ("inquiry", inquiry)):
        if re.search(rf"/{re.escape(identifier)}(/|$)", path):
            return name
    return None


async def _versions(apps, supplier: str, product: str, inquiry: str) -> dict[str, int]:
    return {"supplier": (await apps["onboarding"].state.onboarding.get(supplier)).version,
            "product": (await apps["catalogue"].state.catalogue.get(product)).version,
            "inquiry": (await apps["inquiries"].state.inquiries.get(inquiry)).version}

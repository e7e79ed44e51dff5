"""The Keycloak realm example gives tokens the services accept: the marketplace's role names, `aud: tijara`, the
`organisation` claim, and a user of every role (with an organisation where the role needs one)."""

import json
from pathlib import Path

from deploy.local.issuer import NEEDS_ORGANISATION
from shared.actors import Role
from shared.settings import ServiceSettings

REALM = json.loads((Path(__file__).resolve().parents[2] / "deploy/keycloak/tijara-realm.json").read_text())
TOKEN_ROLES = {r.value for r in Role} - {Role.SYSTEM, Role.BUYER}


def test_realm_roles_are_the_marketplace_roles() -> None:
    assert {r["name"] for r in REALM["roles"]["realm"]} == TOKEN_ROLES


def test_tokens_carry_the_audience_and_organisation_the_services_expect() -> None:
    mappers = {m["protocolMapper"]: m["config"] for s in REALM["clientScopes"] for m in s["protocolMappers"]}
    assert mappers["oidc-audience-mapper"]["included.custom.audience"] == ServiceSettings().oidc_audience
    assert mappers["oidc-usermodel-attribute-mapper"]["claim.name"] == "organisation"


def test_a_user_for_every_role_with_its_organisation() -> None:
    users = {u["realmRoles"][0]: u for u in REALM["users"] if "serviceAccountClientId" not in u}
    assert set(users) == TOKEN_ROLES
    for role in NEEDS_ORGANISATION:
        assert users[role.value]["attributes"]["organisation"], role

"""The Keycloak realm as shipped gives tokens the services accept (tests/e2e/test_keycloak.py proves it on a real
Keycloak; these are the quick checks of the file): the marketplace's role names, `aud: tijara` and the
`organisation` claim on every client, Keycloak's built-in scopes left alone (they put `sub` and `realm_access` in
tokens), users who can log in, machine clients by client credentials, and `organisation` a declared attribute only
admins may edit."""

import json
from pathlib import Path

from deploy.local.idp import shipped_users
from deploy.local.issuer import NEEDS_ORGANISATION
from shared.contracts.actors import Role
from shared.settings import ServiceSettings

REALM = json.loads((Path(__file__).resolve().parents[2] / "deploy/keycloak/tijara-realm.json").read_text())
TOKEN_ROLES = {r.value for r in Role} - {Role.SYSTEM, Role.BUYER}
MACHINE_ROLES = {Role.NOTIFIER.value}  # services, never people: a client, no user
CLIENTS = {c["clientId"]: c for c in REALM["clients"]}


def test_realm_roles_are_the_marketplace_roles() -> None:
    assert {r["name"] for r in REALM["roles"]["realm"]} == TOKEN_ROLES


def test_keycloak_keeps_its_built_in_scopes() -> None:
    """A realm that lists its own client scopes gets none of Keycloak's (`basic` puts `sub`, `roles` puts
    `realm_access` in tokens): the realm adds mappers to its clients instead."""
    assert "clientScopes" not in REALM and "defaultDefaultClientScopes" not in REALM
    assert not any("defaultClientScopes" in c or "optionalClientScopes" in c for c in REALM["clients"])


def test_every_client_gives_the_audience_and_the_organisation_the_services_expect() -> None:
    for client in REALM["clients"]:
        mappers = {m["protocolMapper"]: m["config"] for m in client["protocolMappers"]}
        assert mappers["oidc-audience-mapper"]["included.custom.audience"] == ServiceSettings().oidc_audience
        assert mappers["oidc-audience-mapper"]["access.token.claim"] == "true"
        if client["clientId"] != "tijara-notifier":
            organisation = mappers["oidc-usermodel-attribute-mapper"]
            assert organisation["user.attribute"] == organisation["claim.name"] == "organisation"
            assert organisation["access.token.claim"] == "true"


def test_people_log_in_with_a_password_and_machines_with_client_credentials() -> None:
    console = CLIENTS["tijara-console"]
    assert console["publicClient"] and console["directAccessGrantsEnabled"]
    for machine, role in (("tijara-clementia", Role.PARTNER), ("tijara-notifier", Role.NOTIFIER)):
        assert CLIENTS[machine]["serviceAccountsEnabled"] and not CLIENTS[machine]["publicClient"]
        account = next(u for u in REALM["users"] if u.get("serviceAccountClientId") == machine)
        assert account["realmRoles"] == [role.value]
        assert bool(account.get("attributes", {}).get("organisation")) == (role in NEEDS_ORGANISATION)


def test_a_user_for_every_role_who_can_log_in() -> None:
    """Not "Account is not fully set up": a permanent password, and the e-mail and names the profile requires."""
    people = [u for u in REALM["users"] if "serviceAccountClientId" not in u]
    assert {u["realmRoles"][0] for u in people} == TOKEN_ROLES - MACHINE_ROLES
    for user in people:
        assert user["email"] and user["firstName"] and user["lastName"] and user["emailVerified"], user["username"]
        assert [c["temporary"] for c in user["credentials"]] == [False], user["username"]
        assert not user.get("requiredActions"), user["username"]
        needs = Role(user["realmRoles"][0]) in NEEDS_ORGANISATION
        assert bool(user.get("attributes", {}).get("organisation")) == needs, user["username"]
    assert shipped_users()["agency:AMDIE"] == "amdie-officer"  # what the demo seeding logs in as


def test_organisation_is_declared_and_only_admins_edit_it() -> None:
    """An undeclared attribute is dropped by Keycloak's user profile (e.g. for users made through the admin API)."""
    provider = REALM["components"]["org.keycloak.userprofile.UserProfileProvider"][0]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    attributes = {a["name"]: a for a in profile["attributes"]}
    assert {"username", "email", "firstName", "lastName", "organisation"} <= set(attributes)
    assert attributes["organisation"]["permissions"]["edit"] == ["admin"]
    assert "unmanagedAttributePolicy" not in profile  # nothing undeclared is kept

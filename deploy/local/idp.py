"""Tokens from the identity provider the services trust, for the demo seeding when `OIDC_ISSUER` names one other than
the local issuer (README: "Against Keycloak"). The seeding asks for roles as `tijara local token` spells them
(`staff`, `agency:AMDIE`, `supplier:sup-…`); each is a user who logs in with the password grant:

- a user the realm ships (deploy/keycloak/tijara-realm.json: `amdie-officer` is `agency:AMDIE`), with the password
  `TIJARA_IDP_PASSWORD` (default: the realm's demo password);
- any other (the seeding makes up supplier ids, and acts for every agency and inspection body) a demo user
  `demo-<role>-<organisation>` that this module creates through Keycloak's admin API, with the realm role, the
  `organisation` attribute (which only admins may set) and a password of its own: set `TIJARA_IDP_ADMIN` to a
  master-realm admin as `user:password` (`python -m deploy.local.keycloak up` prints it).

`TIJARA_IDP_CLIENT_ID` names the public client with direct access grants (default `tijara-console`).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import unicodedata
from pathlib import Path

import httpx

from deploy.local.issuer import parse_role

REALM_FILE = Path(__file__).resolve().parents[2] / "deploy" / "keycloak" / "tijara-realm.json"
DEMO_PASSWORD = "change-me"  # the realm's users' (a demo realm: change them anywhere but on your machine)


def shipped_users(realm_file: Path = REALM_FILE) -> dict[str, str]:
    """Role spec -> username of the realm's own users: {"agency:AMDIE": "amdie-officer", "staff": ...}."""
    users = {}
    for user in json.loads(realm_file.read_text())["users"]:
        if "serviceAccountClientId" in user:
            continue
        organisation = user.get("attributes", {}).get("organisation", [None])[0]
        users[f"{user['realmRoles'][0]}:{organisation}" if organisation else user["realmRoles"][0]] = user["username"]
    return users


class Tokens:
    """`tokens("agency:AMDIE")`: an access token of the issuer for a user in that role (see the module's doc)."""

    def __init__(self, issuer: str, client_id: str = "tijara-console", password: str = DEMO_PASSWORD,
                 admin: tuple[str, str] | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.password = password
        self.admin = admin
        self.shipped = shipped_users()
        self._http = httpx.Client(timeout=30)
        self._passwords: dict[str, str] = {}  # demo users created here -> their password
        self._admin_token: tuple[str, float] = ("", 0.0)
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, issuer: str) -> Tokens:
        admin = os.environ.get("TIJARA_IDP_ADMIN", "")
        return cls(issuer, os.environ.get("TIJARA_IDP_CLIENT_ID", "tijara-console"),
                   os.environ.get("TIJARA_IDP_PASSWORD", DEMO_PASSWORD),
                   tuple(admin.split(":", 1)) if ":" in admin else None)  # type: ignore[arg-type]

    def __call__(self, spec: str) -> str:
        role, organisation = parse_role(spec)
        canonical = f"{role.value}:{organisation}" if organisation else role.value
        with self._lock:
            username, password = self.shipped.get(canonical), self.password
            if username is None:
                username = demo_username(role.value, organisation)
                password = self._passwords.get(username) or self._create(username, role.value, organisation)
        return self.login(username, password)

    def login(self, username: str, password: str, client_id: str | None = None) -> str:
        answer = self._http.post(f"{self.issuer}/protocol/openid-connect/token", data={
            "grant_type": "password", "client_id": client_id or self.client_id, "username": username,
            "password": password, "scope": "openid"})
        if answer.status_code != 200:
            raise RuntimeError(f"{username} cannot log in at {self.issuer}: {answer.status_code} {answer.text}")
        return answer.json()["access_token"]

    def _create(self, username: str, role: str, organisation: str | None) -> str:
        """A demo user in `role` for `organisation` (created, or its password reset); returns its password."""
        if self.admin is None:
            raise RuntimeError(f"no user of the realm acts as {role}:{organisation}; set TIJARA_IDP_ADMIN=user:password "
                               "(a Keycloak admin) so the seeding can create demo users")
        password = secrets.token_urlsafe(16)
        users = f"{self._admin_base()}/users"
        found = self._admin("GET", users, params={"username": username, "exact": "true"}).json()
        if found:
            user_id = found[0]["id"]
            self._admin("PUT", f"{users}/{user_id}/reset-password",
                        json={"type": "password", "value": password, "temporary": False})
        else:
            created = self._admin("POST", users, json={
                "username": username, "enabled": True, "email": f"{username}@tijara.example", "emailVerified": True,
                "firstName": role.capitalize(), "lastName": organisation or "Tijara",
                "attributes": {"organisation": [organisation]} if organisation else {},
                "credentials": [{"type": "password", "value": password, "temporary": False}]})
            user_id = created.headers["location"].rsplit("/", 1)[-1]
            realm_role = self._admin("GET", f"{self._admin_base()}/roles/{role}").json()
            self._admin("POST", f"{users}/{user_id}/role-mappings/realm", json=[realm_role])
        self._passwords[username] = password
        return password

    def _admin_base(self) -> str:
        base, _, realm = self.issuer.partition("/realms/")
        return f"{base}/admin/realms/{realm}"

    def _admin(self, method: str, url: str, **kw) -> httpx.Response:
        token, expires = self._admin_token
        if time.monotonic() > expires:
            token, expires = admin_token(self._http, self.issuer.partition("/realms/")[0], *self.admin)
            self._admin_token = (token, expires)
        return self._http.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kw).raise_for_status()


def admin_token(http: httpx.Client, base_url: str, username: str, password: str) -> tuple[str, float]:
    """A master-realm admin's token and when (monotonic) to ask for another."""
    answer = http.post(f"{base_url}/realms/master/protocol/openid-connect/token", data={
        "grant_type": "password", "client_id": "admin-cli", "username": username, "password": password})
    answer.raise_for_status()
    return answer.json()["access_token"], time.monotonic() + answer.json()["expires_in"] - 10


def demo_username(role: str, organisation: str | None) -> str:
    """`demo-inspection-tuv-rheinland`: ASCII, lower case, as Keycloak keeps usernames."""
    ascii_name = unicodedata.normalize("NFKD", organisation or "").encode("ascii", "ignore").decode().lower()
    slug = "-".join("".join(c if c.isalnum() else " " for c in ascii_name).split())
    return f"demo-{role}-{slug}" if slug else f"demo-{role}"

"""Who may reach whom in production, checked against what the code does.

The calls: each service's composition root is read for another service's URL (`<service>_url`, from `<SERVICE>_URL`)
handed to an HTTP client of its own (the showcase forwards the inquiry form to inquiries; notifications asks
onboarding, inquiries and partners for contacts), its manifests for a URL at another service, its code for SMTP. The production NetworkPolicies are evaluated as Kubernetes does (a connection
needs the caller's egress and the callee's ingress; policies add up; named ports resolve to the container's), and
every call must be allowed, and every opening between two services must have a call behind it. The Ingress routes
are checked against the services' routers: every public route reachable, no operational one (/metrics, /readyz).
"""

from __future__ import annotations

import ast
import copy
import importlib
import re
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts

from tests.contract.test_k8s import DEPLOYED, resources

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "tijara"
INGRESS_CONTROLLER = ("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
OUTSIDE = None  # an address outside the cluster (an SMTP relay, a managed Kafka)


def _code(service: str) -> str:
    return "\n".join(p.read_text() for p in sorted((ROOT / "services" / service).rglob("*.py")))


def services_in_tree() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/main.py"))


def _http_clients(service: str, tree: ast.Module) -> set[str]:
    """Names main.py imports from a module of its own service that uses an HTTP client."""
    clients = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"services.{service}."):
            path = ROOT / Path(*node.module.split("."))
            source = path.with_suffix(".py") if path.with_suffix(".py").exists() else path / "__init__.py"
            if re.search(r"^\s*(import|from) (httpx|aiohttp)\b", source.read_text(), flags=re.M):
                clients |= {alias.asname or alias.name for alias in node.names}
    return clients


def http_calls() -> set[tuple[str, str]]:
    """(caller, callee): in a service's composition root (main.py), a `<callee>_url` setting handed to something
    of its own that holds an HTTP client (httpx, aiohttp); and a `<CALLEE>_URL` its production Deployment points at
    the callee's Service (http://<callee>:<port>). A `<service>_url` used only for links (an e-mail's page link)
    is not a call."""
    calls = set()
    for caller in services_in_tree():
        tree = ast.parse((ROOT / "services" / caller / "main.py").read_text())
        clients = _http_clients(caller, tree)
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in clients:
                for arg in [*call.args, *(k.value for k in call.keywords)]:
                    for node in ast.walk(arg):
                        callee = node.attr.removesuffix("_url") if isinstance(node, ast.Attribute) else None
                        if callee in DEPLOYED and callee != caller:
                            calls.add((caller, callee))
    for caller, deployment in resources("production", "Deployment").items():
        for env in deployment["spec"]["template"]["spec"]["containers"][0].get("env", []):
            found = re.fullmatch(r"http://([a-z]+):(\d+)/?", env.get("value") or "")
            if env["name"].endswith("_URL") and found and found[1] in DEPLOYED:
                calls.add((caller, found[1]))
    return calls


def smtp_senders() -> set[str]:
    return {s for s in services_in_tree() if re.search(r"aiosmtplib|smtp_port", _code(s), flags=re.IGNORECASE)}


class Network:
    """The production NetworkPolicies, evaluated. A peer is (namespace, labels) for a pod, OUTSIDE for an address
    outside the cluster."""

    def __init__(self, policies: dict[str, dict], deployments: dict[str, dict]) -> None:
        self.policies, self.pods = list(policies.values()), {}
        for name, d in deployments.items():
            [container] = d["spec"]["template"]["spec"]["containers"]
            self.pods[name] = {"labels": d["spec"]["template"]["metadata"]["labels"],
                               "ports": {p["name"]: p["containerPort"] for p in container["ports"]}}
        for policy in self.policies:
            assert "matchExpressions" not in str(policy), "the evaluator reads matchLabels only"

    def port_of(self, service: str) -> int:
        return self.pods[service]["ports"]["http"]

    @staticmethod
    def _selects(selector: dict, labels: dict) -> bool:
        return selector.get("matchLabels", {}).items() <= labels.items()

    def _peer_matches(self, peer: dict, who) -> bool:
        if "ipBlock" in peer:
            return who is OUTSIDE
        if who is OUTSIDE:
            return False
        namespace, labels = who
        if "namespaceSelector" in peer:
            in_namespace = self._selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": namespace})
        else:
            in_namespace = namespace == NAMESPACE
        return in_namespace and self._selects(peer.get("podSelector", {}), labels)

    @staticmethod
    def _port_matches(rule_ports: list[dict] | None, port: int, named: dict[str, int]) -> bool:
        if not rule_ports:
            return True
        for p in rule_ports:
            number = named.get(p["port"]) if isinstance(p["port"], str) else p["port"]
            if number is not None and number <= port <= p.get("endPort", number):
                return True
        return False

    def _allowed(self, direction: str, pod_labels: dict, other, port: int, named: dict[str, int]) -> bool:
        kind, peers_key = ("Ingress", "from") if direction == "ingress" else ("Egress", "to")
        selecting = [p for p in self.policies if kind in p["spec"]["policyTypes"]
                     and self._selects(p["spec"]["podSelector"], pod_labels)]
        if not selecting:
            return True
        return any((peers_key not in rule or any(self._peer_matches(peer, other) for peer in rule[peers_key]))
                   and self._port_matches(rule.get("ports"), port, named)
                   for policy in selecting for rule in policy["spec"].get(direction, []))

    def may_call(self, caller: str, callee: str) -> bool:
        src, dst = self.pods[caller], self.pods[callee]
        port = self.port_of(callee)
        return (self._allowed("egress", src["labels"], (NAMESPACE, dst["labels"]), port, {})
                and self._allowed("ingress", dst["labels"], (NAMESPACE, src["labels"]), port, dst["ports"]))

    def may_reach(self, outside_namespace: str, labels: dict, callee: str) -> bool:
        dst = self.pods[callee]
        return self._allowed("ingress", dst["labels"], (outside_namespace, labels), self.port_of(callee), dst["ports"])

    def may_send_out(self, caller: str, port: int) -> bool:
        return self._allowed("egress", self.pods[caller]["labels"], OUTSIDE, port, {})


def production_network() -> Network:
    return Network(resources("production", "NetworkPolicy"), resources("production", "Deployment"))


def refused(network: Network) -> list[str]:
    found = [f"{caller} -> {callee}:{network.port_of(callee)} (HTTP)" for caller, callee in sorted(http_calls())
             if not network.may_call(caller, callee)]
    found += [f"{s} -> SMTP relay :587" for s in sorted(smtp_senders()) if not network.may_send_out(s, 587)]
    return found


def test_the_scan_finds_the_calls_the_code_makes() -> None:
    calls = http_calls()
    assert ("showcase", "inquiries") in calls, "the inquiry form (INQUIRIES_URL) must be found"
    assert {("notifications", c) for c in ("onboarding", "inquiries", "partners")} <= calls


def test_every_call_the_code_makes_is_allowed_in_production() -> None:
    assert refused(production_network()) == []


def test_every_opening_between_services_has_a_call_behind_it() -> None:
    network, calls = production_network(), http_calls()
    opened = {(a, b) for a in DEPLOYED for b in DEPLOYED if a != b and network.may_call(a, b)}
    assert opened - calls == set(), "open for no call: close it"


def test_a_call_the_policies_do_not_allow_is_caught() -> None:
    """The check fails as it should: the inquiries policy without its showcase peer refuses the inquiry form."""
    policies = copy.deepcopy(resources("production", "NetworkPolicy"))
    peers = policies["inquiries"]["spec"]["ingress"][0]["from"]
    peers[:] = [p for p in peers if p.get("podSelector", {}).get("matchLabels") != {"app.kubernetes.io/name": "showcase"}]
    network = Network(policies, resources("production", "Deployment"))
    assert "showcase -> inquiries:8003 (HTTP)" in refused(network)
    assert not network.may_call("catalogue", "inquiries") and not network.may_call("showcase", "onboarding")


def test_public_services_are_reachable_from_the_ingress_controller_and_scraped() -> None:
    network = production_network()
    public = {b["service"]["name"] for i in resources("production", "Ingress").values()
              for r in i["spec"]["rules"] for b in (p["backend"] for p in r["http"]["paths"])}
    for service in DEPLOYED:
        assert network.may_reach(*INGRESS_CONTROLLER, service) == (service in public), service
        assert network.may_reach("monitoring", {"app.kubernetes.io/name": "prometheus"}, service), service


# --- the Ingress against the routers ---------------------------------------------------------------------------

def served_paths(service: str) -> set[str]:
    """Every path the service's app serves (built as its main.py builds it, no servers needed), path parameters
    filled in."""
    main = importlib.import_module(f"services.{service}.main")
    app = main.build(main.Settings(kafka_bootstrap_servers="kafka:9092"))
    return {re.sub(r"\{[^}]+\}", "x", route.path) for route in iter_route_contexts(app.routes)}


# Served, and kept inside the cluster, each with its reason.
IN_CLUSTER = {
    "/privacy": "the operator's personal-data requests (erasure, export, retention, reads), sent by `tijara privacy` "
                "to every service in turn from inside the cluster: the same path on four services, which no single "
                "public host could route",
    "/docs": "Swagger UI, with /redoc and /openapi.json: the APIs' description is published in docs/, not served",
    "/redoc": "as /docs",
    "/openapi.json": "as /docs",
}
OPERATIONAL = ["/healthz", "/readyz", "/metrics", "/metrics/", "/asyncapi", "/asyncapi.json"]


def _route_to(ingress: dict, path: str) -> str | None:
    """The backend ingress-nginx picks: the longest matching path (Exact, or Prefix by whole segments)."""
    best = None
    for rule in ingress["spec"]["rules"]:
        for p in rule["http"]["paths"]:
            exact = p["pathType"] == "Exact" and path == p["path"]
            prefix = p["pathType"] == "Prefix" and (path == p["path"] or path.startswith(p["path"].rstrip("/") + "/"))
            if (exact or prefix) and (best is None or len(p["path"]) > len(best[0])):
                best = (p["path"], p["backend"]["service"]["name"])
    return best and best[1]


def test_every_ingress_is_tls_only() -> None:
    for name, ingress in resources("production", "Ingress").items():
        [tls] = ingress["spec"]["tls"]
        assert tls["secretName"] and set(tls["hosts"]) == {r["host"] for r in ingress["spec"]["rules"]}, name
        assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"


@pytest.mark.parametrize("service", services_in_tree())
def test_ingress_routes_every_public_route_and_no_operational_one(service: str) -> None:
    ingresses = resources("production", "Ingress").values()
    inside = [p for p in served_paths(service) if p in OPERATIONAL or any(
        p == prefix or p.startswith(prefix + "/") for prefix in IN_CLUSTER)]
    for path in sorted(served_paths(service) - set(inside)):
        assert any(_route_to(i, path) == service for i in ingresses), f"{path} does not reach {service}"
    for ingress in ingresses:
        for path in inside:
            assert _route_to(ingress, path) is None, f"{ingress['metadata']['name']} exposes {path} of {service}"


LINKS = {"PAGE_BASE_URL": "/countries/ma", "SHOWCASE_URL": "/countries/ma", "PUBLIC_URL": "/unsubscribe",
         "ANSWER_URL": "/inquiries/x/response"}  # a public address a service writes into pages or e-mails: a path on it


def test_the_public_addresses_in_links_are_served_over_https_by_the_ingress() -> None:
    """Canonical links, the sitemap, e-mails' page and unsubscribe links: each address is a TLS host of an
    Ingress that routes the linked path to a service (the defaults, 127.0.0.1, would reach nobody)."""
    ingresses = resources("production", "Ingress").values()
    hosts = {r["host"]: i for i in ingresses for r in i["spec"]["rules"]}
    found = 0
    for name, deployment in resources("production", "Deployment").items():
        for env in deployment["spec"]["template"]["spec"]["containers"][0].get("env", []):
            if env["name"] in LINKS:
                found += 1
                address = re.fullmatch(r"https://([^/]+)/?", env["value"])
                assert address and address[1] in hosts, (name, env)
                assert _route_to(hosts[address[1]], LINKS[env["name"]]) is not None, (name, env)
    assert found >= 1 and "PAGE_BASE_URL" in {e["name"] for e in resources("production", "Deployment")["showcase"]
                                               ["spec"]["template"]["spec"]["containers"][0]["env"]}

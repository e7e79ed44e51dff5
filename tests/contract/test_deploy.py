"""docker-compose's Kafka security, checked statically (no Docker engine here): the compose file parses, the scripts
are valid bash, every partner of the registry gets a principal whose ACLs match its scopes, services authenticate."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from deploy.local.demo_partners import DEMO_PARTNERS
from services.partners.domain import SCOPES_BY_KIND
from shared.contracts.registry import EVENT_TYPES
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
KAFKA = ROOT / "deploy" / "kafka"


def test_compose_parses_and_services_authenticate_after_kafka_init() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["kafka"]["entrypoint"] == ["/etc/tijara/kafka/start.sh"]
    assert services["kafka-init"]["entrypoint"] == ["/etc/tijara/kafka/init-security.sh"]
    for name in ("onboarding", "catalogue", "inquiries", "showcase", "partners", "notifications"):
        env = services[name]["environment"]
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT" and env["KAFKA_SASL_USERNAME"] == name
        assert services[name]["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"
        assert {k.lower() for k in env if k.startswith("KAFKA_")} <= set(ServiceSettings.model_fields)


def test_scripts_are_valid_bash_and_executable() -> None:
    for script in ("start.sh", "init-security.sh"):
        path = KAFKA / script
        assert path.stat().st_mode & 0o111, f"{script} must be executable"
        subprocess.run(["bash", "-n", str(path)], check=True)


def test_broker_enforces_scram_and_acls() -> None:
    props = dict(line.split("=", 1) for line in (KAFKA / "server.properties").read_text().splitlines()
                 if line and not line.startswith("#"))
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert "PLAINTEXT" not in props["listener.security.protocol.map"].replace("SASL_PLAINTEXT", "")
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512" and props["super.users"] == "User:admin;User:tijara"


def test_every_partner_gets_write_on_its_own_topic_only() -> None:
    script = (KAFKA / "init-security.sh").read_text()
    granted: dict[str, str] = {}
    for match in re.finditer(r"^partner (\S+) (\S+)$", script, re.M):
        granted[match[1]] = match[2]
    for match in re.finditer(r"^for \w+ in ([^;]+); do partner \"\$\w+\" (\S+); done$", script, re.M):
        granted |= {name: match[2] for name in match[1].split()}
    for partner_id, _, kind, _ in DEMO_PARTNERS:
        [scope] = SCOPES_BY_KIND[kind]
        assert granted.get(partner_id) == EVENT_TYPES[scope].TOPIC.value, partner_id


def test_partners_runs_as_its_own_service_everywhere() -> None:
    """The partner ingress is a service of its own: compose, the Kubernetes base and the local launcher know it."""
    from deploy.local.marketplace import RUN_PORTS, SERVICES

    partners = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["partners"]
    assert partners["environment"]["MONGODB_DATABASE"] == "tijara_partners"
    assert partners["environment"]["HTTP_PORT"] == 8004
    base = ROOT / "deploy" / "k8s" / "base"
    assert "partners.yaml" in yaml.safe_load((base / "kustomization.yaml").read_text())["resources"]
    docs = {d["kind"]: d for d in yaml.safe_load_all((base / "partners.yaml").read_text())}
    deployment, service = docs["Deployment"], docs["Service"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["MONGODB_DATABASE"] == "tijara_partners" and env["HTTP_PORT"] == "8004"
    assert container["image"] == "tijara/partners"
    assert service["spec"]["ports"][0]["port"] == 8004
    assert "partners" in SERVICES and RUN_PORTS["partners"] - RUN_PORTS["showcase"] == 4

"""The services' Kafka principals and their ACLs, as deploy/kafka/service-acls.txt states them (the one table that
deploy/kafka/init-security.sh applies); read here for the contract test and the local ACL broker's tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).parent / "kafka" / "service-acls.txt"
SERVICES = ("onboarding", "catalogue", "inquiries", "showcase", "partners", "notifications")
EVERY_SERVICE = "services"


@dataclass(frozen=True)
class Acl:
    principal: str
    operation: str
    resource: str  # topic, group or cluster
    pattern: str  # literal or prefixed
    name: str


def rows(path: Path = TABLE) -> list[Acl]:
    """One Acl per operation of each row; a `services` row is repeated for every service."""
    acls = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        principal, operations, resource, pattern, name = line.split()
        for who in SERVICES if principal == EVERY_SERVICE else (principal,):
            acls += [Acl(who, op, resource, pattern, name) for op in operations.split(",")]
    return acls


def of(service: str) -> list[Acl]:
    return [a for a in rows() if a.principal == service]


def names(service: str, operation: str, resource: str = "topic", pattern: str = "literal") -> set[str]:
    return {a.name for a in of(service) if (a.operation, a.resource, a.pattern) == (operation, resource, pattern)}


def password_variable(principal: str) -> str:
    """The env variable holding a principal's password (init-security.sh's password_of; compose and Kubernetes)."""
    return "KAFKA_PASSWORD_" + principal.upper().replace("-", "_")

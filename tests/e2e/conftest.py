import os
import socket

import pytest

from deploy.local.marketplace import Marketplace
from tests.early import EarlyStart

pytestmark = pytest.mark.e2e
_OFFSET = int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))
E2E_PORTS = {name: 18100 + _OFFSET + i  # 18104: the issuer's (below)
             for i, name in zip((0, 1, 2, 3, 5, 6),
                                ("showcase", "onboarding", "catalogue", "inquiries", "partners", "notifications"))}


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ephemeral() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def e2e_ports() -> dict[str, int]:
    """The offset's ports if free; otherwise free ephemeral ones (another checkout's services may hold ours, and a
    readiness probe answered by them would wrongly pass)."""
    if all(_free(p) for p in E2E_PORTS.values()):
        return dict(E2E_PORTS)
    return {name: _ephemeral() for name in E2E_PORTS}


@pytest.fixture(scope="module")
def marketplace(infrastructure, tmp_path_factory):
    """The six services as separate processes, as an operator runs them, each with its own database; a Mailpit
    of their own on free loopback ports (`marketplace.mailbox`) receives what notifications sends."""
    import uuid

    ports = e2e_ports()
    issuer_port = 18104 + _OFFSET if _free(18104 + _OFFSET) else _ephemeral()
    market = Marketplace(infrastructure.kafka, infrastructure.mongodb, ports=ports, issuer_port=issuer_port,
                         mail_ports=(_ephemeral(), _ephemeral()),
                         log_dir=tmp_path_factory.mktemp("service-logs"),
                         database_prefix=f"e2e_{uuid.uuid4().hex[:6]}",
                         extra_env={"OUTBOX_POLL_SECONDS": "0.5", "KAFKA_TOPIC_PREFIX": f"e2e-{uuid.uuid4().hex[:6]}."})
    market.start()
    try:
        market.wait_ready(90)
        yield market
    finally:
        market.stop()


KEYCLOAK_FIGURES: list[str] = []  # printed at the end of the run


def _start_keycloak(config: pytest.Config):
    from deploy.local.keycloak import PORT, VERSION, Keycloak

    port = 18180 + _OFFSET if _free(18180 + _OFFSET) else _ephemeral()
    assert PORT != port  # never the one `python -m deploy.local.keycloak up` uses
    server = Keycloak(port=port, data_dir=config._tmp_path_factory.mktemp("keycloak")).start()
    KEYCLOAK_FIGURES.append(f"Keycloak {VERSION} started (realm imported) in {server.started_in:.1f}s")
    return server


KEYCLOAK = EarlyStart("keycloak", _start_keycloak, lambda server: server.stop())  # a JVM: 15-45 s


def pytest_collection_finish(session) -> None:
    KEYCLOAK.begin(session)


def pytest_sessionfinish(session) -> None:
    KEYCLOAK.abandon()


keycloak = KEYCLOAK.as_fixture("""Keycloak from the cache (deploy/local/keycloak.py) with the realm as shipped, fresh data,
one start per run (begun at the end of collection: tests/early.py).""")


def pytest_terminal_summary(terminalreporter) -> None:
    if KEYCLOAK_FIGURES:
        terminalreporter.section("identity provider")
        for line in KEYCLOAK_FIGURES:
            terminalreporter.write_line(line)

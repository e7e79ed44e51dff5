import pytest

from deploy.local.marketplace import Marketplace

pytestmark = pytest.mark.e2e
E2E_PORTS = {"showcase": 18100, "onboarding": 18101, "catalogue": 18102, "inquiries": 18103}


@pytest.fixture(scope="module")
def marketplace(infrastructure, tmp_path_factory):
    """The four services as separate processes, as an operator runs them, each with its own database."""
    import uuid

    market = Marketplace(infrastructure.kafka, infrastructure.mongodb, ports=dict(E2E_PORTS),
                         log_dir=tmp_path_factory.mktemp("service-logs"),
                         database_prefix=f"e2e_{uuid.uuid4().hex[:6]}",
                         extra_env={"OUTBOX_POLL_SECONDS": "0.5", "KAFKA_TOPIC_PREFIX": f"e2e-{uuid.uuid4().hex[:6]}."})
    market.start()
    try:
        market.wait_ready(90)
        yield market
    finally:
        market.stop()

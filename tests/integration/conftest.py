import time

import pytest

from tests.early import EarlyStart

pytestmark = pytest.mark.integration


@pytest.fixture
def settings_for(infrastructure, unique, issuer):
    """Settings of a service on the real servers, with its own database and consumer group for this test."""

    def make(settings_class):
        return settings_class(
            kafka_bootstrap_servers=infrastructure.kafka, mongodb_url=infrastructure.mongodb,
            mongodb_database=f"it_{unique}_{settings_class().service_name}",
            consumer_group_id=f"it.{unique}.{settings_class().service_name}", outbox_poll_seconds=0.5,
            consumer_backoff_seconds=0.05, consumer_max_attempts=3, oidc_issuer=issuer.url,
            inquiry_rate_limit="100000/minute",  # tests poll POST /inquiries until the product is known
        )

    return make


def _start_acl_broker(config: pytest.Config):
    from deploy.local import kafka_acls

    started = time.monotonic()
    profile = kafka_acls.up()
    print(f"\nACL broker ready in {time.monotonic() - started:.1f}s")
    return profile


def _stop_acl_broker(profile) -> None:
    from deploy.local import kafka_acls

    kafka_acls.down()


ACL_BROKER = EarlyStart("acl_broker", _start_acl_broker, _stop_acl_broker)  # a JVM: 8-11 s


def pytest_collection_finish(session) -> None:
    ACL_BROKER.begin(session)


def pytest_sessionfinish(session) -> None:
    ACL_BROKER.abandon()


acl_broker = ACL_BROKER.as_fixture("""A broker of its own that authenticates with SASL and authorizes with ACLs as compose's
does (deploy/local/kafka_acls.py), started once for every module that needs it (begun at the end of collection:
tests/early.py): a second start right after a stop raced the first broker's shutdown, and its clients could not
bootstrap.""")

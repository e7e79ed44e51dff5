"""What the platform does for every service, without servers: saving a change with its outbox (shared.messaging.outbox), the
consumer policy from settings (shared.messaging.consumer.ConsumerPolicy), the one map of domain errors to statuses."""

import pytest

from shared.contracts.actors import Actor, Role, on_events
from shared.errors import ConcurrentUpdate, Conflict, MarketplaceError, NotAllowed, NotFound
from shared.messaging.consumer import ConsumerPolicy
from shared.messaging.outbox import Outbox
from shared.settings import ServiceSettings
from shared.web.http_errors import STATUSES
from tests import factories
from tests.fakes import Collection, FakeRelay


async def test_a_change_goes_out_with_its_actor_and_the_relay_is_woken() -> None:
    relay, suppliers, written = FakeRelay(), Collection("suppliers"), []
    staff = Actor(subject="amina", role=Role.STAFF)

    async def write(envelopes) -> None:
        written.extend(envelopes)

    change, answer = factories.supplier_submitted("sup-1"), factories.supplier_submitted("sup-1", 2)
    await Outbox("/tijara/onboarding", relay, suppliers).save("sup-1", [change], staff, write, answers=[answer])
    assert [e.data.actor for e in written] == [on_events(staff), answer.actor]  # pseudonymous; an answer as it is
    assert written[0].data.actor.subject != "amina"
    assert {e.source for e in written} == {"/tijara/onboarding"}
    assert relay.woken == [("suppliers", "sup-1")]


async def test_a_refused_write_wakes_no_relay() -> None:
    relay = FakeRelay()

    async def write(envelopes) -> None:
        raise ConcurrentUpdate("changed meanwhile")

    with pytest.raises(ConcurrentUpdate):
        await Outbox("/tijara/onboarding", relay, Collection("suppliers")).save(
            "sup-1", [factories.supplier_submitted("sup-1")], None, write)
    assert relay.woken == []


def test_the_consumer_policy_comes_from_settings_and_one_subscription_may_differ() -> None:
    settings = ServiceSettings(consumer_max_attempts=4, consumer_backoff_seconds=0.5,
                               consumer_backoff_max_seconds=1.5, consumer_batch_size=50,
                               consumer_session_timeout_ms=6000)
    policy = ConsumerPolicy.of(settings)
    assert (policy.attempts, policy.backoff_seconds, policy.batch_size) == (4, 0.5, 50)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 1.5, 1.5]  # doubling, capped
    options = policy.subscriber_options()
    assert options["max_records"] == 50
    assert (options["session_timeout_ms"], options["heartbeat_interval_ms"]) == (6000, 2000)
    assert ConsumerPolicy.of(ServiceSettings()).session_timeout_ms == 10_000  # aiokafka's default
    assert ConsumerPolicy.of(settings, attempts=10).attempts == 10 and ConsumerPolicy.of(settings).attempts == 4


def test_every_service_maps_domain_errors_the_same_way() -> None:
    assert STATUSES == {NotFound: 404, Conflict: 409, NotAllowed: 403, MarketplaceError: 400}

"""Three brokers, topics at replication 3 and min ISR 2, one broker killed with SIGKILL mid-stream and restarted:
the pipeline (onboarding's outbox -> Kafka -> every consumer, plus events published as upstream services would)
neither loses nor doubles an effect. The broker killed is the one leading the most partitions of the marketplace's
topics, so leadership moves while producers (acks=all) and consumer groups are busy on them."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from deploy.local import cluster
from shared.contracts.envelope import Topic
from shared.messaging.topics import marketplace_topics, topic_drift
from tests.faults.conftest import OnboardingLoad, prefix
from tests.faults.test_faults import assert_exact, converge, figures, outbox_check
from tests.faults.world import Publisher, World

pytestmark = pytest.mark.faults


async def _partitions(bootstrap: str, topics: list[str]) -> list[dict]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        return [p for t in await admin.describe_topics(topics) for p in t["partitions"]]
    finally:
        await admin.close()


async def _fully_replicated(bootstrap: str, topics: list[str], timeout: float = 60) -> float:
    """Seconds until every partition has its three replicas in sync again (the restarted broker caught up)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if all(len(p["isr"]) == 3 for p in await _partitions(bootstrap, topics)):
                break
        except Exception:  # metadata from a broker still joining
            pass
        await asyncio.sleep(0.5)
    else:
        raise AssertionError(f"the restarted broker did not rejoin every ISR within {timeout:.0f}s")
    return time.monotonic() - started


async def test_one_of_three_brokers_killed_mid_stream_loses_and_doubles_nothing(market_on_three_brokers):
    market, nodes = market_on_three_brokers
    streams = [prefix(market) + t.value for t in Topic]
    specs = marketplace_topics(3, prefix(market), replication=3, min_insync=2)
    assert all(not s.drift for s in await topic_drift(market.kafka, specs)), "topics not at RF 3 / min ISR 2"
    leaders = Counter(p["leader"] for p in await _partitions(market.kafka, streams))
    victim = leaders.most_common(1)[0][0]
    world = World.generate(f"rf{market.run_id}", 2000, seed=13)
    during, after = world.envelopes[:1400], world.envelopes[1400:]
    with OnboardingLoad(market.url("onboarding"), market.token, suppliers=80, per_second=5) as load:
        async with Publisher(market.kafka, prefix(market)) as publisher:
            flow = asyncio.create_task(publisher.send(during, per_second=100, chunk=20))
            await asyncio.sleep(4)  # mid-stream
            sent_at_kill = publisher.sent
            killed = time.monotonic()
            await asyncio.to_thread(cluster.kill_node, nodes, victim)
            await asyncio.sleep(8)  # fenced after 4 s: its partitions get new leaders, the stream goes on
            sent_while_away = publisher.sent - sent_at_kill
            cluster.start_node(nodes, victim)
            in_sync = asyncio.create_task(_fully_replicated(market.kafka, streams, timeout=120))
            await asyncio.to_thread(cluster.wait_for_brokers, nodes, 3)
            back = time.monotonic() - killed
            await flow
            await publisher.send(after, per_second=200, chunk=20)  # and after its return
            sent = publisher.sent
        assert 0 < sent_at_kill < len(during) and sent_while_away > 0, (sent_at_kill, sent_while_away)
        last_sent = time.monotonic()
    result = await converge(market, world)
    recover = time.monotonic() - last_sent
    outbox = await outbox_check(market, load)
    caught_up = await in_sync  # from its restart until it is back in every partition's ISR
    await figures(market, "1 of 3 brokers kill-9 (RF 3, min ISR 2)", world, sent, result, recover, outbox,
                  killed_broker=victim, partitions_led=leaders[victim], sent_at_kill=sent_at_kill,
                  sent_while_away=sent_while_away, broker_back_s=round(back, 1),
                  isr_full_again_s=round(caught_up, 1))
    assert_exact(result)
    assert outbox.exact and outbox.expected_events > 0, outbox

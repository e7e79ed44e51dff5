"""The Prometheus metrics every service process exports on `/metrics` (besides the HTTP RED metrics of the access
log and the consumer progress): events consumed and published, dead letters, outbox depth and age, relay failures,
dependency checks, batch handling time."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "tijara_events_consumed_total", "Events handled by a consumer group", ["group", "type", "outcome"]
)


EVENTS_PUBLISHED = Counter("tijara_events_published_total", "Events the outbox relay published", ["topic"])


DEAD_LETTERS = Counter("tijara_dead_letters_total", "Messages sent to a dead-letter topic", ["topic", "error_type"])


OUTBOX_DEPTH = Gauge("tijara_outbox_depth", "Events waiting in the outbox at the last relay scan")


DEPENDENCY_UP = Gauge("tijara_dependency_up", "1 when the last periodic check reached the dependency (mongodb, kafka)",
                      ["dependency"])


OUTBOX_AGE = Gauge("tijara_outbox_oldest_age_seconds", "Age of the oldest event waiting in the outbox")


OUTBOX_RELAY_FAILURES = Counter("tijara_outbox_relay_failures_total",
                                "Outbox relay passes that failed (the store or Kafka refused or did not answer)")


HANDLE_SECONDS = Histogram("tijara_consumer_batch_seconds", "Time to handle one consumed batch", ["group"])


"""Logs people can read, Prometheus metrics, and OpenTelemetry tracing with W3C trace context across Kafka."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import Counter, Gauge, Histogram

_propagator = TraceContextTextMapPropagator()

EVENTS_CONSUMED = Counter(
    "tijara_events_consumed_total", "Events handled by a consumer group", ["group", "type", "outcome"]
)
EVENTS_PUBLISHED = Counter("tijara_events_published_total", "Events the outbox relay published", ["topic"])
DEAD_LETTERS = Counter("tijara_dead_letters_total", "Messages sent to a dead-letter topic", ["topic", "error_type"])
OUTBOX_DEPTH = Gauge("tijara_outbox_depth", "Events waiting in the outbox at the last relay scan")
OUTBOX_AGE = Gauge("tijara_outbox_oldest_age_seconds", "Age of the oldest event waiting in the outbox")
HANDLE_SECONDS = Histogram("tijara_consumer_batch_seconds", "Time to handle one consumed batch", ["group"])


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(service: str, level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)-7s {service} %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)


def setup_tracing(service: str) -> None:
    """A tracer provider named after the service; exporters are configured by the standard OTEL_* variables
    when an operator installs one, so spans cost nothing extra here otherwise."""
    trace.set_tracer_provider(TracerProvider(resource=Resource.create({"service.name": f"tijara-{service}"})))


def tracer() -> trace.Tracer:
    return trace.get_tracer("tijara")


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from(headers: Mapping[str, str | bytes]):
    carrier = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in headers.items() if k == "traceparent"}
    return _propagator.extract(carrier)

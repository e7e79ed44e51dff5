"""Logs people can read, Prometheus metrics, and OpenTelemetry tracing with W3C trace context across Kafka."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import Counter, Gauge, Histogram

_propagator = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None

EVENTS_CONSUMED = Counter(
    "tijara_events_consumed_total", "Events handled by a consumer group", ["group", "type", "outcome"]
)
EVENTS_PUBLISHED = Counter("tijara_events_published_total", "Events the outbox relay published", ["topic"])
DEAD_LETTERS = Counter("tijara_dead_letters_total", "Messages sent to a dead-letter topic", ["topic", "error_type"])
OUTBOX_DEPTH = Gauge("tijara_outbox_depth", "Events waiting in the outbox at the last relay scan")
DEPENDENCY_UP = Gauge("tijara_dependency_up", "1 when the last periodic check reached the dependency (mongodb, kafka)",
                      ["dependency"])
OUTBOX_AGE = Gauge("tijara_outbox_oldest_age_seconds", "Age of the oldest event waiting in the outbox")
HANDLE_SECONDS = Histogram("tijara_consumer_batch_seconds", "Time to handle one consumed batch", ["group"])


_EXTRA_FIELDS = ("trace_id", "route", "http_method", "status", "duration_ms")  # e.g. the access log's


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
        entry.update({k: getattr(record, k) for k in _EXTRA_FIELDS if getattr(record, k, None) is not None})
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
    faststream = logging.getLogger("faststream")  # it brings its own coloured stdout handler: use ours, JSON too
    faststream.handlers.clear()
    faststream.propagate = True
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)


def setup_tracing(service: str) -> TracerProvider:
    """The process's tracer provider, spans exported as the standard OTEL_* variables say.

    Exported over OTLP/HTTP (BatchSpanProcessor) when `OTEL_EXPORTER_OTLP_ENDPOINT` or
    `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; `OTEL_TRACES_EXPORTER=console` prints them, `none` turns export
    off. Without an endpoint nothing is exported (the SDK's default would retry localhost:4318 and log failures), yet
    spans still carry trace ids: the outbox, Kafka headers and JSON logs keep them. `OTEL_SERVICE_NAME`,
    `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_TRACES_SAMPLER` work as the SDK documents. PyMongo commands become spans.
    Idempotent: several services in one test process share the first provider."""
    global _provider
    if _provider is not None:
        return _provider
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or f"tijara-{service}"})
    _provider = TracerProvider(resource=resource)
    exporter = _span_exporter()
    if exporter is not None:
        _provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(_provider)
    PymongoInstrumentor().instrument(tracer_provider=_provider)  # a command listener: clients created after this
    return _provider


def _span_exporter():
    chosen = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if chosen == "console":
        return ConsoleSpanExporter()
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if chosen != "otlp" or not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # reads endpoint, headers, timeout and TLS from the OTEL_EXPORTER_OTLP_* variables


def instrument_http(app) -> None:
    """HTTP server spans per route (FastAPI's instrumentation); probes and scrapes are not traced."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider, excluded_urls="healthz,readyz,metrics")


def kafka_middleware():
    """FastStream's Kafka telemetry: a producer span per publish that injects its `traceparent` into the headers
    (the relay publishes inside the writer's restored context, so the trace continues through Kafka)."""
    from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware

    return KafkaTelemetryMiddleware(tracer_provider=_provider or trace.get_tracer_provider())


@contextlib.contextmanager
def within(traceparent: str | None) -> Iterator[None]:
    """Run a block in the trace a stored `traceparent` names (the relay publishing an outbox entry)."""
    if not traceparent:
        yield
        return
    token = otel_context.attach(_propagator.extract({"traceparent": traceparent}))
    try:
        yield
    finally:
        otel_context.detach(token)


MAX_LINKS = 128  # the SDK's default span link limit (OTEL_SPAN_LINK_COUNT_LIMIT); past it a span drops its oldest


def link_producers(records: Sequence[Any]) -> None:
    """Links the current span (FastStream's "<topic> process" span of a consumed batch) to the producer context of
    each message of the batch (the distinct ones, up to MAX_LINKS), as OpenTelemetry's messaging conventions trace
    batch processing. Nothing without a recording span."""
    span = trace.get_current_span()
    if not span.is_recording():
        return
    seen: set[bytes | str] = set()
    for record in records:
        traceparent = next((v for k, v in record.headers or () if k == "traceparent"), None)
        if traceparent is None or traceparent in seen:
            continue
        seen.add(traceparent)
        text = traceparent.decode() if isinstance(traceparent, bytes) else traceparent
        producer = trace.get_current_span(_propagator.extract({"traceparent": text}))
        span.add_link(producer.get_span_context())
        if len(seen) == MAX_LINKS:
            return


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")

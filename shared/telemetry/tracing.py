"""OpenTelemetry tracing: the tracer provider and its sampler (the standard `OTEL_*` variables; parent-based 1 %
by default), the HTTP server spans, FastStream's Kafka middleware, and W3C trace context carried through the
outbox and across Kafka."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider, sampling
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()


_provider: TracerProvider | None = None


def setup_tracing(service: str) -> TracerProvider:
    """The process's tracer provider, spans exported as the standard OTEL_* variables say.

    Exported over OTLP/HTTP (BatchSpanProcessor) when `OTEL_EXPORTER_OTLP_ENDPOINT` or
    `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; `OTEL_TRACES_EXPORTER=console` prints them, `none` turns export
    off. Without an endpoint nothing is exported (the SDK's default would retry localhost:4318 and log failures), yet
    spans still carry trace ids: the outbox, Kafka headers and JSON logs keep them. `OTEL_SERVICE_NAME`,
    `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` work as the SDK documents; the
    sampler's default is ours (see `sampler`). PyMongo commands become spans.
    Idempotent: several services in one test process share the first provider."""
    global _provider
    if _provider is not None:
        return _provider
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or f"tijara-{service}"})
    _provider = TracerProvider(resource=resource, sampler=sampler())
    exporter = _span_exporter()
    if exporter is not None:
        _provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(_provider)
    PymongoInstrumentor().instrument(tracer_provider=_provider)  # a command listener: clients created after this
    return _provider


DEFAULT_SAMPLE_RATIO = 0.01  # of the traces that start here; a public page's requests cannot all afford a trace


def sampler() -> sampling.Sampler:
    """`OTEL_TRACES_SAMPLER` (and `_ARG`) as the SDK reads them; unset, the production default: parent-based with
    a trace-id ratio of DEFAULT_SAMPLE_RATIO (`parentbased_traceidratio`). A caller that sampled its request (a
    `traceparent` with the sampled flag) is followed, so its trace is whole across every service; a request or a
    consumed batch that starts a trace is sampled at the ratio. Every request still gets trace ids (logs, outbox)."""
    if os.environ.get("OTEL_TRACES_SAMPLER", "").strip():
        return sampling._get_from_env_or_default()  # the SDK's own reading of both variables
    return sampling.ParentBased(sampling.TraceIdRatioBased(DEFAULT_SAMPLE_RATIO))


def _span_exporter():
    chosen = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if chosen == "console":
        return ConsoleSpanExporter()
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if chosen != "otlp" or not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # reads endpoint, headers, timeout and TLS from the OTEL_EXPORTER_OTLP_* variables


# FastAPI's own OpenTelemetry (on whenever a tracer provider is set) would add a second server span, an operation
# span per dependency and handler, and compute every attribute before the sampler is asked: HttpTracing instead.
FASTAPI_NATIVE_OFF = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def instrument_http(app) -> None:
    """A server span per HTTP request (probes and scrapes are not traced): see HttpTracing."""
    app.add_middleware(HttpTracing)


def kafka_middleware():
    """FastStream's Kafka telemetry: a producer span per publish that injects its `traceparent` into the headers
    (the relay publishes inside the writer's restored context, so the trace continues through Kafka)."""
    from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware

    return KafkaTelemetryMiddleware(tracer_provider=_provider or trace.get_tracer_provider())


class within:  # noqa: N801 -- used as a function: `with within(traceparent):`
    """Run a block in the trace a stored `traceparent` names (the relay publishing an outbox entry, a consumer
    handling an event). A class, not a generator: entered once per consumed event, where contextlib's machinery and
    the propagator's general parsing cost more than the rest of the kernel's dispatch (see `producer_context`)."""

    __slots__ = ("token", "traceparent")

    def __init__(self, traceparent: str | None) -> None:
        self.traceparent = traceparent
        self.token: object | None = None

    def __enter__(self) -> None:
        if self.traceparent:
            self.token = otel_context.attach(producer_context(self.traceparent))

    def __exit__(self, *_: object) -> None:
        if self.token is not None:
            otel_context.detach(self.token)  # type: ignore[arg-type]


_VERSION_00 = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def producer_context(traceparent: str) -> otel_context.Context:
    """The context a W3C `traceparent` names, as the propagator's `extract` gives it: version 00 in its exact form
    read directly (a third of the propagator's cost); anything else (other versions, a tracestate, padding, invalid
    ids) through the propagator itself."""
    found = _VERSION_00.fullmatch(traceparent)
    trace_id, span_id = (int(found.group(1), 16), int(found.group(2), 16)) if found else (0, 0)
    if not (trace_id and span_id):
        return _propagator.extract({"traceparent": traceparent})
    remote = trace.SpanContext(trace_id, span_id, True, trace.TraceFlags(int(found.group(3), 16)))
    return trace.set_span_in_context(trace.NonRecordingSpan(remote))


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
        producer = trace.get_current_span(producer_context(text))
        span.add_link(producer.get_span_context())
        if len(seen) == MAX_LINKS:
            return


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


UNTRACED_PATHS = ("/healthz", "/readyz", "/metrics")  # probes and scrapes


class HttpTracing:
    """A server span per HTTP request, named by its route template (`POST /suppliers/{supplier_id}/suspension`),
    with the W3C `traceparent` of the caller as its parent. Pure ASGI, and cheap when the sampler says no: the span
    is then the SDK's non-recording one (trace ids for logs and the outbox, nothing recorded), and no attribute is
    computed nor `send` wrapped. OpenTelemetry's FastAPI instrumentation cost ~200 µs a request, sampled or not (a
    second routing pass to name the span, attributes, internal send/receive spans): the page served 0.28x of
    `/healthz`; with this, the hello endpoint of `python -m bench.page` costs ~15 µs more CPU than `/healthz`."""

    def __init__(self, app: Any, tracer_provider: trace.TracerProvider | None = None) -> None:
        self.app = app
        self.tracer = (tracer_provider or _provider or trace.get_tracer_provider()).get_tracer("tijara.http")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNTRACED_PATHS):
            return await self.app(scope, receive, send)
        span = self.tracer.start_span(scope["method"], _caller(scope["headers"]), trace.SpanKind.SERVER)
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            if span.is_recording():
                return await self._recorded(span, scope, receive, send)
            return await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)
            span.end()

    async def _recorded(self, span: trace.Span, scope: dict, receive: Any, send: Any) -> None:
        async def noting_status(message: dict) -> None:
            if message["type"] == "http.response.start":
                span.set_attribute("http.response.status_code", message["status"])
                if message["status"] >= 500:
                    span.set_status(trace.StatusCode.ERROR)
            await send(message)

        span.set_attributes({"http.request.method": scope["method"], "url.path": scope["path"],
                             "url.scheme": scope.get("scheme", "http"),
                             "network.protocol.version": scope.get("http_version", "1.1")})
        try:
            await self.app(scope, receive, noting_status)
        except Exception as error:
            span.record_exception(error)
            span.set_status(trace.StatusCode.ERROR, type(error).__name__)
            raise
        finally:
            route = getattr(scope.get("route"), "path", None)  # set by the router once it matched
            if route is not None:
                span.set_attribute("http.route", route)
                span.update_name(f"{scope['method']} {route}")


def _caller(headers: Sequence[tuple[bytes, bytes]]) -> otel_context.Context | None:
    """The caller's trace context from its `traceparent` (and `tracestate`) header, if it sent one."""
    carrier = {name.decode(): value.decode() for name, value in headers if name in (b"traceparent", b"tracestate")}
    return _propagator.extract(carrier) if carrier else None


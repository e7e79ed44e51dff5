"""The HTTP server span: named by the route template, child of the caller's `traceparent`, recorded only when
sampled (the unsampled request still runs in a valid trace context: logs and the outbox keep its ids); probes and
scrapes untraced. And the sampler: the standard variables, else parent-based 1 %."""

import httpx
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider, sampling
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry.tracing import FASTAPI_NATIVE_OFF, HttpTracing, sampler

CALLER_TRACE, CALLER_SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


def _traced_app(sampler: sampling.Sampler) -> tuple[httpx.AsyncClient, InMemorySpanExporter, list[str]]:
    provider, exporter, seen = TracerProvider(sampler=sampler), InMemorySpanExporter(), []
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = FastAPI(telemetry=FASTAPI_NATIVE_OFF)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict:
        seen.append(format(trace.get_current_span().get_span_context().trace_id, "032x"))
        return {"thing": thing_id}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    traced = HttpTracing(app, tracer_provider=provider)
    return httpx.AsyncClient(transport=httpx.ASGITransport(traced), base_url="http://test"), exporter, seen


async def test_a_sampled_caller_is_followed_even_where_new_traces_are_never_sampled():
    http, exporter, seen = _traced_app(sampling.ParentBased(sampling.ALWAYS_OFF))
    async with http:
        answer = await http.get("/things/t-1", headers={"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"})
    assert answer.status_code == 200
    [span] = exporter.get_finished_spans()
    assert span.name == "GET /things/{thing_id}" and span.kind == trace.SpanKind.SERVER
    assert format(span.parent.span_id, "016x") == CALLER_SPAN and seen == [CALLER_TRACE]
    assert span.attributes["http.route"] == "/things/{thing_id}" and span.attributes["http.response.status_code"] == 200


async def test_an_unsampled_request_records_nothing_yet_runs_in_a_trace():
    http, exporter, seen = _traced_app(sampling.ParentBased(sampling.ALWAYS_OFF))
    async with http:
        assert (await http.get("/things/t-2")).status_code == 200
        assert (await http.get("/things/t-3", headers={"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-00"})
                ).status_code == 200
    assert exporter.get_finished_spans() == ()
    assert len(seen) == 2 and seen[0] != "0" * 32 and seen[1] == CALLER_TRACE


async def test_probes_are_not_traced():
    http, exporter, _ = _traced_app(sampling.ALWAYS_ON)
    async with http:
        assert (await http.get("/healthz")).status_code == 200
    assert exporter.get_finished_spans() == ()


def test_the_sampler_is_the_standard_variables_else_parent_based_one_percent(monkeypatch):
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    default = sampler()
    assert isinstance(default, sampling.ParentBased) and "TraceIdRatioBased{0.01}" in default.get_description()
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    assert "TraceIdRatioBased{0.25}" in sampler().get_description()
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    assert sampler() is sampling.ALWAYS_OFF

"""A page GET answered straight from its rendition (pages/serving.py) is still an ordinary route of the app: the same
bytes and headers, conditional GETs, the one error shape for a bad query, 405 for another method, and a server span,
RED metrics and an access line under its route template."""

import logging

import httpx
import pytest
from fastapi import FastAPI, Request
from opentelemetry.sdk.trace import TracerProvider, sampling
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY

from services.showcase import api
from services.showcase.model.live import LiveModel
from services.showcase.pages import countries
from services.showcase.pages.key import PageKey
from services.showcase.pages.prebuilt import Renditions
from services.showcase.pages.render import DEFAULT_FILTERS, Pages
from services.showcase.pages.serving import PrebuiltRoute
from shared.telemetry.tracing import FASTAPI_NATIVE_OFF, HttpTracing
from shared.web import http_errors
from shared.web.access_log import AccessMiddleware
from tests import factories
from tests.showcase_model import as_read

CACHE = "public, max-age=0, s-maxage=5"


def _served() -> tuple[httpx.AsyncClient, Renditions, InMemorySpanExporter]:
    model = LiveModel()
    for event in (factories.supplier_verified("s1"), factories.product_listed("p1", "s1")):
        model.apply(as_read(event))
    pages = Pages(model, countries.load(["MA"]), "https://tijara.example")
    renditions = Renditions(model, list(pages.countries), pages, pages.defaults)
    renditions.rebuild()
    app = FastAPI(telemetry=FASTAPI_NATIVE_OFF)
    app.include_router(api.router)
    http_errors.install(app, api.ERROR_STATUSES, 1 << 16)
    app.add_middleware(AccessMiddleware, service="unit-showcase")
    app.state.renditions, app.state.pages, app.state.cache_control = renditions, pages, CACHE
    provider, exporter = TracerProvider(sampler=sampling.ALWAYS_ON), InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    traced = HttpTracing(app, tracer_provider=provider)
    return httpx.AsyncClient(transport=httpx.ASGITransport(traced), base_url="http://test"), renditions, exporter


async def test_a_page_is_its_rendition_with_conditional_gets_and_the_declared_errors():
    http, renditions, _ = _served()
    page = renditions.get(PageKey("country", "MA", "json", None, DEFAULT_FILTERS))
    async with http:
        answer = await http.get("/api/countries/ma")
        assert answer.content == page.body and answer.headers["etag"] == page.etag
        assert answer.headers["cache-control"] == CACHE and answer.headers["content-type"] == "application/json"
        assert int(answer.headers["content-length"]) == len(page.body)
        for asked in (page.etag, f"W/{page.etag}", f'"other", {page.etag}'):
            again = await http.get("/api/countries/ma", headers={"If-None-Match": asked})
            assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == page.etag
        assert (await http.get("/api/countries/ma", headers={"If-None-Match": '"other"'})).status_code == 200
        for _ in range(2):  # a refused query is not kept as if it were valid
            refused = await http.get("/countries/ma", params={"page": "0"})
            assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "query.page"
        assert (await http.get("/countries/ma/products/p1", params={"lang": "xx"})).status_code == 422
        assert (await http.put("/countries/ma")).status_code == 405
        arabic = await http.get("/countries/ma", params={"lang": "ar"}, headers={"Accept-Language": "fr"})
        assert arabic.headers["content-language"] == "ar" and "vary" not in arabic.headers
        french = await http.get("/countries/ma", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
        assert french.headers["content-language"] == "fr" and french.headers["vary"] == "Accept-Language"


async def test_a_page_request_is_traced_counted_and_logged_under_its_route_template(caplog):
    http, _, exporter = _served()
    labels = {"service": "unit-showcase", "route": "/countries/{code}", "method": "GET", "status": "200"}
    before = REGISTRY.get_sample_value("tijara_http_requests_total", labels) or 0
    with caplog.at_level(logging.INFO, logger="tijara.access"):
        async with http:
            assert (await http.get("/countries/ma", params={"lang": "ar"})).status_code == 200
    [span] = exporter.get_finished_spans()
    assert span.name == "GET /countries/{code}" and span.attributes["http.route"] == "/countries/{code}"
    assert REGISTRY.get_sample_value("tijara_http_requests_total", labels) == before + 1
    [line] = [r for r in caplog.records if r.name == "tijara.access"]
    assert line.route == "/countries/{code}" and line.trace_id == format(span.context.trace_id, "032x")
    assert '"GET /countries/ma?lang=ar" 200' in line.getMessage()


def test_every_page_get_is_served_from_its_rendition_and_a_handler_reading_more_is_refused_at_start():
    assert {r.path for r in api.router.routes if isinstance(r, PrebuiltRoute)} == {
        f"{prefix}/countries/{{code}}{page}" for prefix in ("", "/api")
        for page in ("", "/suppliers/{supplier_id}", "/products/{product_id}")}

    async def handler(code: str, request: Request, lang: str | None = None) -> None: ...

    with pytest.raises(TypeError, match="path's parameters and `request` only"):
        PrebuiltRoute("/countries/{code}", handler, methods=["GET"])

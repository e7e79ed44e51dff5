"""The country pages over HTTP. Every page GET answers bytes rendered beforehand (pages/prebuilt.py, pages/serving.py):
no aggregation, no serialisation per request; an ETag for `If-None-Match` (304) and Cache-Control for a CDN.

    /countries/{code}                      the country page (HTML; `?lang=en|fr|ar`, else Accept-Language)
    /countries/{code}/suppliers/{id}       a supplier's page, with the inquiry form
    /countries/{code}/products/{id}        a product's page, with the inquiry form
    /api/countries/{code}[/suppliers/{id} | /products/{id}]   the same as JSON
    POST /countries/{code}/inquiries       the inquiry form (forwarded to the inquiries service), 303 to
    /countries/{code}/inquiries/sent       the confirmation
    /sitemap.xml  /robots.txt  /media/placeholder/...  for search engines, and a listing's picture when it has none
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, PositiveInt
from starlette.datastructures import QueryParams

from services.showcase.pages import inquiry_form, media
from services.showcase.pages.i18n import LANGUAGES, gettext, negotiate
from services.showcase.pages.key import PageKey
from services.showcase.pages.prebuilt import Rendition, Renditions
from services.showcase.pages.render import DEFAULT_FILTERS, HTML, Pages
from services.showcase.pages.serving import Prebuilt, PrebuiltRoute, validated
from services.showcase.pages.shapes import CountryPage, Filters, ProductPage, SupplierPage
from services.showcase.pages.templating import html
from shared.contracts.vocabulary import Certification, Incoterm, Region, Sector
from shared.errors import MarketplaceError, NotFound
from shared.web.http_errors import answer, responses

ERROR_STATUSES = {NotFound: 404, MarketplaceError: 400}
router = APIRouter(tags=["country page"])
Blank = Literal[""]  # an HTML form sends "" for "all": same as not filtering
Language = Literal["en", "fr", "ar"]
PAGE = responses(404, 422)  # no such country, supplier or product; a filter out of range


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)  # one instance answers every request with its query
    lang: Language | Blank | None = None
    q: Annotated[str, Field(max_length=100)] | None = None
    category: Sector | Blank | None = None
    region: Region | Blank | None = None
    certification: Certification | Blank | None = None
    max_moq: PositiveInt | Blank | None = None
    incoterm: Incoterm | Blank | None = None
    page: Annotated[int, Field(ge=1)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 24
    suppliers_page: Annotated[int, Field(ge=1)] = 1
    suppliers_per_page: Annotated[int, Field(ge=1, le=100)] = 24

    def filters(self) -> str:
        data = self.model_dump(exclude={"lang"})
        paging = ("page", "per_page", "suppliers_page", "suppliers_per_page")
        return Filters.model_validate({k: v or None for k, v in data.items()} | {
            k: getattr(self, k) for k in paging}).model_dump_json()


DEFAULT_QUERY = PageQuery()


def page_query(request: Request) -> tuple[PageQuery, str]:
    """The page's query, and its filters as the page's key names them (the default when the query names none)."""
    return _page_query(request.scope["query_string"])


@functools.lru_cache(maxsize=256)
def _page_query(raw: bytes) -> tuple[PageQuery, str]:
    """Validated once per query string (`?lang=ar`, a filter a link carries): the next request with the same query
    is a look-up (pages/serving.py). Bounded: a query string is the visitor's to choose; a 422 is not kept."""
    params = QueryParams(raw)
    if not params:
        return DEFAULT_QUERY, DEFAULT_FILTERS
    query = validated(PageQuery, params)
    return query, DEFAULT_FILTERS if set(params) <= {"lang"} else query.filters()


def _inline(schema: object, defs: dict) -> object:
    """A JSON Schema with its `$defs` references written in place (an OpenAPI parameter has no `$defs`)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
        return {key: _inline(value, defs) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline(value, defs) for value in schema]
    return schema


def _query_parameters(model: type[BaseModel]) -> dict:
    """The model's fields as OpenAPI query parameters (the handlers read them through `page_query`, `lang_query`)."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    return {"parameters": [{"name": name, "in": "query", "required": False, "schema": _inline(field, defs)}
                           for name, field in schema["properties"].items()]}


class LangQuery(BaseModel):
    lang: Language | Blank | None = None


PAGE_QUERY, LANG_QUERY = _query_parameters(PageQuery), _query_parameters(LangQuery)


@functools.lru_cache(maxsize=64)
def lang_query(raw: bytes) -> str | None:
    """`?lang` of a supplier's or product's page, validated once per query string (see `_page_query`)."""
    return validated(LangQuery, QueryParams(raw)).lang or None


def page(path: str, **declared) -> Callable:
    """`@router.get` for a page answered from its rendition (see PrebuiltRoute)."""
    def register(handler: Callable) -> Callable:
        router.add_api_route(path, handler, methods=["GET"], route_class_override=PrebuiltRoute, **declared)
        return handler
    return register


def _state(request: Request) -> tuple[Renditions, Pages]:
    return request.app.state.renditions, request.app.state.pages


def _language(request: Request, asked: str | None) -> str:
    return negotiate(asked or None, request.headers.get("accept-language"))


def send(request: Request, page: Rendition, lang: str | None = None, negotiated: bool = False) -> Response:
    return Prebuilt(page, request.app.state.cache_control, request.headers.get("if-none-match"), lang, negotiated)


def _html_page(request: Request, key: PageKey, lang: str, negotiated: bool, with_form: bool = False) -> Response:
    try:
        page = _state(request)[0].get(key)
        if with_form:  # the inquiry form's country follows Accept-Language, whatever the page's language
            page = inquiry_form.with_country_chosen(page, request.headers.get("accept-language"))
        return send(request, page, lang, negotiated or with_form)
    except NotFound as missing:
        return error_page(request, lang, 404, gettext(lang, "Page not found"), missing.message)


def error_page(request: Request, lang: str, status: int, title: str, message: str) -> Response:
    """A page a visitor reads in their language; a client that does not ask for HTML gets the one JSON shape."""
    if "text/html" not in request.headers.get("accept", ""):
        return answer(status, title, message)
    _, pages = _state(request)
    country = next(iter(pages.countries.values()))
    body = html(lang, "error.html", title=title, message=message,
                **pages.common(country, lang, request.url.path))
    return Response(body, status_code=status, media_type=HTML, headers={"Cache-Control": "no-store"})


@router.get("/", include_in_schema=False)
async def home(request: Request) -> RedirectResponse:
    _, pages = _state(request)
    lang = request.query_params.get("lang")
    first = next(iter(pages.countries)).lower()
    return RedirectResponse(f"/countries/{first}" + (f"?lang={lang}" if lang in LANGUAGES else ""))


@page("/api/countries/{code}", response_model=CountryPage, responses=PAGE, openapi_extra=PAGE_QUERY)
async def country_page_json(code: str, request: Request) -> Response:
    _, filters = page_query(request)
    return send(request, _state(request)[0].get(PageKey("country", code.upper(), "json", None, filters)))


@page("/countries/{code}", response_class=Response, responses=PAGE, openapi_extra=PAGE_QUERY)
async def country_page_html(code: str, request: Request) -> Response:
    query, filters = page_query(request)
    lang = _language(request, query.lang)
    return _html_page(request, PageKey("country", code.upper(), "html", lang, filters), lang, not query.lang)


@page("/api/countries/{code}/suppliers/{supplier_id}", response_model=SupplierPage, responses=PAGE)
async def supplier_page_json(code: str, supplier_id: str, request: Request) -> Response:
    return send(request, _state(request)[0].get(PageKey("supplier", code.upper(), "json", None, supplier_id)))


@page("/countries/{code}/suppliers/{supplier_id}", response_class=Response, responses=PAGE, openapi_extra=LANG_QUERY)
async def supplier_page_html(code: str, supplier_id: str, request: Request) -> Response:
    asked = lang_query(request.scope["query_string"])
    lang = _language(request, asked)
    return _html_page(request, PageKey("supplier", code.upper(), "html", lang, supplier_id), lang, not asked, True)


@page("/api/countries/{code}/products/{product_id}", response_model=ProductPage, responses=PAGE)
async def product_page_json(code: str, product_id: str, request: Request) -> Response:
    return send(request, _state(request)[0].get(PageKey("product", code.upper(), "json", None, product_id)))


@page("/countries/{code}/products/{product_id}", response_class=Response, responses=PAGE, openapi_extra=LANG_QUERY)
async def product_page_html(code: str, product_id: str, request: Request) -> Response:
    asked = lang_query(request.scope["query_string"])
    lang = _language(request, asked)
    return _html_page(request, PageKey("product", code.upper(), "html", lang, product_id), lang, not asked, True)


@router.post("/countries/{code}/inquiries", response_class=Response, status_code=303,
             responses={303: {"description": "Sent: to the confirmation page"}, **responses(404, 413, 422, 429)})
async def send_inquiry(code: str, request: Request, query: Annotated[LangQuery, Query()]) -> Response:
    """The inquiry form (application/x-www-form-urlencoded), answered in the visitor's language."""
    lang = _language(request, query.lang)
    forwarder: inquiry_form.InquiryForwarder = request.app.state.inquiry_forwarder
    _ = lambda text: gettext(lang, text)  # noqa: E731
    try:
        form = inquiry_form.read(await request.body())
    except inquiry_form.TooLarge:
        return error_page(request, lang, 413, _("Inquiry too long"), _("Please shorten your message."))
    sent = f"/countries/{code.lower()}/inquiries/sent?lang={lang}"
    submission = inquiry_form.check(form, lang)
    if submission.bot:
        return RedirectResponse(sent, status_code=303)
    client = request.client.host if request.client else "unknown"
    if not forwarder.allow(client):
        return error_page(request, lang, 429, _("Too many inquiries"),
                          _("You sent several inquiries in a short time. Please try again in a few minutes."))
    if not submission.errors:
        accepted, detail = await forwarder.send(inquiry_form.inquiry(form, lang), client)
        if accepted:
            return RedirectResponse(sent, status_code=303)
        submission.errors["message"] = _("The supplier cannot receive inquiries about this right now.")
    return _form_with_errors(request, code, lang, submission)


def _form_with_errors(request: Request, code: str, lang: str, submission: inquiry_form.Submission) -> Response:
    renditions, pages = _state(request)
    form = submission.form
    kind, arg = ("product", form["product_id"]) if form.get("product_id") else ("supplier", form.get("supplier_id"))
    try:
        country = pages.countries[code.upper()]
        page, _ = pages.model(renditions.build, PageKey(kind, country.code, "json", lang, arg))
    except (KeyError, NotFound):
        return error_page(request, lang, 404, gettext(lang, "Page not found"), gettext(lang, "Page not found"))
    body = pages.html(country, lang, kind, page, renditions.build, form=form, errors=submission.errors,
                      jsonld=None)
    return Response(body, status_code=422, media_type=HTML, headers={"Cache-Control": "no-store"})


@router.get("/countries/{code}/inquiries/sent", response_class=Response, include_in_schema=False)
async def inquiry_sent(code: str, request: Request, query: Annotated[LangQuery, Query()]) -> Response:
    lang = _language(request, query.lang)
    _, pages = _state(request)
    country = pages.countries.get(code.upper())
    if country is None:
        return error_page(request, lang, 404, gettext(lang, "Page not found"), code)
    body = html(lang, "sent.html", **pages.common(country, lang, request.url.path))
    return Response(body, media_type=HTML, headers={"Cache-Control": "no-store"})


@router.get("/sitemap.xml", response_class=Response, include_in_schema=False)
async def sitemap(request: Request) -> Response:
    """A sitemap index: its parts hold the pages (the protocol allows 50,000 URLs a file)."""
    return send(request, await _state(request)[0].get_off_loop(PageKey("sitemap")))


@router.get("/sitemaps/{part}.xml", response_class=Response, include_in_schema=False)
async def sitemap_part(part: int, request: Request) -> Response:
    return send(request, await _state(request)[0].get_off_loop(PageKey("sitemap", arg=part)))


@router.get("/robots.txt", response_class=Response, include_in_schema=False)
async def robots(request: Request) -> Response:
    _, pages = _state(request)
    text = f"User-agent: *\nDisallow: /api/\nDisallow: /countries/*/inquiries\nSitemap: {pages.base_url}/sitemap.xml\n"
    return Response(text, media_type="text/plain", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/media/placeholder/{category}.svg", response_class=Response, include_in_schema=False)
async def placeholder(category: str, lang: str = "en") -> Response:
    return _svg(media.picture(gettext(lang, "No picture yet"), category))


def _svg(body: bytes) -> Response:
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400, immutable"})

"""The country page over HTTP: `/countries/{code}` (HTML) and `/api/countries/{code}` (JSON), with the product
grid's filters as query parameters; a supplier's page under `/suppliers/{id}`; `/` is Morocco.
Templates autoescape everything: supplier-provided text is never markup."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import PositiveInt

from services.showcase.labels import SECTOR_LABELS
from services.showcase.page import CountryPage, Filters, SupplierPage
from services.showcase.service import Showcase
from shared.errors import MarketplaceError, NotFound
from shared.vocabulary import Certification, Incoterm, Region, Sector

ERROR_STATUSES = {NotFound: 404, MarketplaceError: 400}
router = APIRouter(tags=["country page"])
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(default=True),
    enable_async=True,
)
templates.filters["duration"] = lambda hours: f"{hours:g} h" if hours >= 1 else f"{round(hours * 60)} min"
templates.globals.update(sectors=SECTOR_LABELS, regions=list(Region), certifications=list(Certification),
                         incoterms=list(Incoterm))


def showcase(request: Request) -> Showcase:
    return request.app.state.showcase


Service = Annotated[Showcase, Depends(showcase)]


Blank = Literal[""]  # an HTML form sends "" for "all": same as not filtering


def product_filters(
    category: Sector | Blank | None = None, region: Region | Blank | None = None,
    certification: Certification | Blank | None = None, max_moq: Annotated[PositiveInt, Query()] | Blank | None = None,
    incoterm: Incoterm | Blank | None = None,
    page: Annotated[int, Query(ge=1)] = 1, per_page: Annotated[int, Query(ge=1, le=100)] = 24,
) -> Filters:
    return Filters(category=category or None, region=region or None, certification=certification or None,
                   max_moq=max_moq or None, incoterm=incoterm or None, page=page, per_page=per_page)


ProductFilters = Annotated[Filters, Depends(product_filters)]


@router.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    return RedirectResponse("/countries/ma")


@router.get("/api/countries/{code}")
async def country_page_json(code: str, filters: ProductFilters, service: Service) -> CountryPage:
    return await service.country_page(code, filters)


@router.get("/countries/{code}", response_class=HTMLResponse)
async def country_page_html(code: str, filters: ProductFilters, service: Service) -> str:
    page = await service.country_page(code, filters)
    return await templates.get_template("country.html").render_async(page=page)


@router.get("/api/countries/{code}/suppliers/{supplier_id}")
async def supplier_page_json(code: str, supplier_id: str, service: Service) -> SupplierPage:
    return await service.supplier_page(code, supplier_id)


@router.get("/countries/{code}/suppliers/{supplier_id}", response_class=HTMLResponse)
async def supplier_page_html(code: str, supplier_id: str, service: Service) -> str:
    page = await service.supplier_page(code, supplier_id)
    return await templates.get_template("supplier.html").render_async(page=page)

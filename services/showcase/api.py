"""The country page over HTTP: `/countries/{code}` (HTML) and `/api/countries/{code}` (JSON); `/` is Morocco."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.showcase.domain import CountryPage
from services.showcase.service import Showcase

router = APIRouter(tags=["country page"])
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(default=True),
    enable_async=True,
)


def showcase(request: Request) -> Showcase:
    return request.app.state.showcase


Service = Annotated[Showcase, Depends(showcase)]


@router.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    return RedirectResponse("/countries/ma")


@router.get("/api/countries/{code}")
async def country_page_json(code: str, service: Service) -> CountryPage:
    return await service.country_page(code)


@router.get("/countries/{code}", response_class=HTMLResponse)
async def country_page_html(code: str, service: Service) -> str:
    page = await service.country_page(code)
    return await templates.get_template("country.html").render_async(page=page)

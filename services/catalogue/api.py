"""catalogue over HTTP: list, update, delist and re-list products; read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.catalogue.domain import Product
from services.catalogue.listing import Listing
from services.catalogue.service import Catalogue
from shared.envelope import Id

router = APIRouter(prefix="/products", tags=["products"])


def catalogue(request: Request) -> Catalogue:
    return request.app.state.catalogue


Service = Annotated[Catalogue, Depends(catalogue)]


class ListingForm(Listing):
    """The listing as a supplier files it over HTTP: today the catalogue's rules in full; a class of its own so the
    HTTP body can evolve (e.g. accept a draft) without touching the aggregate or the events."""

    def to_listing(self) -> Listing:
        return Listing.model_validate(self.model_dump())


class NewListing(BaseModel):
    supplier_id: Id
    listing: ListingForm


class ListingChange(BaseModel):
    listing: ListingForm


class Delisting(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


@router.post("", status_code=201)
async def list_product(new: NewListing, service: Service) -> Product:
    return await service.list_product(new.supplier_id, new.listing.to_listing())


@router.get("")
async def products_of_supplier(supplier_id: str, service: Service) -> list[Product]:
    return await service.of_supplier(supplier_id)


@router.get("/{product_id}")
async def get_product(product_id: str, service: Service) -> Product:
    return await service.get(product_id)


@router.put("/{product_id}/listing")
async def update_listing(product_id: str, change: ListingChange, service: Service) -> Product:
    return await service.update(product_id, change.listing.to_listing())


@router.post("/{product_id}/delisting")
async def delist_product(product_id: str, delisting: Delisting, service: Service) -> Product:
    return await service.delist(product_id, delisting.reason)


@router.post("/{product_id}/relisting")
async def relist_product(product_id: str, service: Service) -> Product:
    return await service.relist(product_id)

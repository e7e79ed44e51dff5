"""catalogue over HTTP: an SME lists, updates, delists and re-lists its own products; anyone reads them (they are
what the country page shows). Staff may delist any listing (moderation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.catalogue.domain import Product
from services.catalogue.listing import Listing
from services.catalogue.service import Catalogue
from shared.contracts.actors import Actor, Role
from shared.contracts.envelope import Id
from shared.web.http_errors import responses
from shared.web.identity import require

AUTH = (401, 403, 503)  # 503: the identity provider's keys unreachable; 404/413/422 come with the route's shape
router = APIRouter(prefix="/products", tags=["products"])


def catalogue(request: Request) -> Catalogue:
    return request.app.state.catalogue


Service = Annotated[Catalogue, Depends(catalogue)]
Supplier = Annotated[Actor, Depends(require(Role.SUPPLIER))]
SupplierOrStaff = Annotated[Actor, Depends(require(Role.SUPPLIER, Role.STAFF))]


class ListingForm(Listing):
    """The listing as a supplier files it over HTTP: today the catalogue's rules in full; a class of its own so the
    HTTP body can evolve (e.g. accept a draft) without touching the aggregate or the events."""

    def to_listing(self) -> Listing:
        return Listing.model_validate(self.model_dump())


class NewListing(BaseModel):
    supplier_id: Id | None = Field(None, description="Optional: must be the supplier the token names.")
    listing: ListingForm


class ListingChange(BaseModel):
    listing: ListingForm


class Delisting(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


@router.post("", status_code=201, responses=responses(400, 404, 409, *AUTH))
async def list_product(new: NewListing, service: Service, actor: Supplier) -> Product:
    return await service.list_product(new.supplier_id or actor.supplier_id or "", new.listing.to_listing(), actor)


@router.get("", responses=responses(422))
async def products_of_supplier(supplier_id: str, service: Service) -> list[Product]:
    return await service.of_supplier(supplier_id)


@router.get("/{product_id}", responses=responses(404))
async def get_product(product_id: str, service: Service) -> Product:
    return await service.get(product_id)


@router.put("/{product_id}/listing", responses=responses(400, 404, 409, *AUTH))
async def update_listing(product_id: str, change: ListingChange, service: Service, actor: Supplier) -> Product:
    return await service.update(product_id, change.listing.to_listing(), actor)


@router.post("/{product_id}/delisting", responses=responses(404, 409, *AUTH))
async def delist_product(product_id: str, delisting: Delisting, service: Service, actor: SupplierOrStaff) -> Product:
    return await service.delist(product_id, delisting.reason, actor)


@router.post("/{product_id}/relisting", responses=responses(404, 409, *AUTH))
async def relist_product(product_id: str, service: Service, actor: Supplier) -> Product:
    return await service.relist(product_id, actor)

"""Whose listing is it: an SME changes only its own listings; staff may delist any (moderation). Pure."""

from __future__ import annotations

from services.catalogue.domain import Product
from shared.contracts.actors import Actor, Role
from shared.errors import NotAllowed


def owns(actor: Actor, supplier_id: str) -> None:
    if actor.role is Role.SUPPLIER and actor.supplier_id == supplier_id:
        return
    raise NotAllowed(f"listings of supplier {supplier_id} are changed by that supplier only "
                     f"(your token: {actor.role.value} {actor.organisation or actor.subject})", supplier_id=supplier_id)


def may_change(actor: Actor, product: Product, *, staff_too: bool = False) -> None:
    if staff_too and actor.role is Role.STAFF:
        return
    owns(actor, product.supplier_id)

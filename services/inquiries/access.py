"""An inquiry, with the buyer's contact, is for the supplier it is addressed to and for staff only. Pure."""

from __future__ import annotations

from shared.actors import Actor, Role
from shared.errors import NotAllowed


def addressed_to(actor: Actor, supplier_id: str, *, staff_too: bool = True) -> None:
    if staff_too and actor.role is Role.STAFF:
        return
    if actor.role is Role.SUPPLIER and actor.supplier_id == supplier_id:
        return
    raise NotAllowed(f"inquiries to supplier {supplier_id} are for that supplier{' and staff' if staff_too else ''} "
                     f"only (your token: {actor.role.value} {actor.organisation or actor.subject})",
                     supplier_id=supplier_id)

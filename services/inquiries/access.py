"""An inquiry, with the buyer's contact, is for the supplier it is addressed to and for staff only; its
correspondence (what messages about it need) also for the notifier, the service that writes them. Pure."""

from __future__ import annotations

from shared.contracts.actors import Actor, Role
from shared.errors import NotAllowed


def addressed_to(actor: Actor, supplier_id: str, *, staff_too: bool = True) -> None:
    if staff_too and actor.role is Role.STAFF:
        return
    if actor.role is Role.SUPPLIER and actor.supplier_id == supplier_id:
        return
    raise NotAllowed(f"inquiries to supplier {supplier_id} are for that supplier{' and staff' if staff_too else ''} "
                     f"only (your token: {actor.role.value} {actor.organisation or actor.subject})",
                     supplier_id=supplier_id)


def may_correspond(actor: Actor, supplier_id: str) -> None:
    """The notifier reads correspondence and nothing else of an inquiry; staff and the addressed supplier too."""
    if actor.role is Role.NOTIFIER:
        return
    addressed_to(actor, supplier_id)

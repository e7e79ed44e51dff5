"""Who may see or act on which supplier: ownership at onboarding's edge, in the marketplace's words. Pure."""

from __future__ import annotations

from services.onboarding.domain import Supplier
from shared.actors import Actor, Role
from shared.errors import NotAllowed

READ_ANY = (Role.STAFF, Role.AGENCY, Role.INSPECTION)  # they review, endorse or inspect any applicant


def may_read(actor: Actor, supplier: Supplier) -> None:
    """The full record (documents, contact) is for the SME itself, the partner that applied for it, staff,
    agencies and inspection bodies; the public face is the country page's business."""
    if actor.role in READ_ANY:
        return
    if actor.role is Role.SUPPLIER and actor.supplier_id == supplier.supplier_id:
        return
    if actor.role is Role.PARTNER and actor.organisation == supplier.submitted_by:
        return
    raise NotAllowed(f"supplier {supplier.supplier_id} is not yours to read ({actor.role.value} "
                     f"{actor.organisation or actor.subject})", supplier_id=supplier.supplier_id)


def acting_as(actor: Actor, claimed: str | None, what: str) -> str:
    """An agency endorses, an inspection body reports, only as the organisation its token names."""
    organisation = actor.organisation or ""
    if claimed is not None and claimed != organisation:
        raise NotAllowed(f"your token names {organisation}; you cannot {what} as {claimed}",
                         token_organisation=organisation, claimed=claimed)
    return organisation

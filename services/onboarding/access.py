"""Who may see or act on which supplier: ownership at onboarding's edge, in the marketplace's words. Pure.

The contact person (name, e-mail, phone) is personal data, read by fewer than the rest of the record:
- the SME itself, the onboarding partner that applied for it, verification staff, and the notifier (the service
  that writes to the SME, by client credentials; it reads contacts and nothing else);
- an export agency or an inspection body only while the supplier awaits its step: an agency of the supplier's own
  country while the supplier awaits endorsement (documents verified), an inspection body while it awaits an
  inspection (documents verified, endorsed, or expired awaiting renewal). Outside its step an agency or inspection
  body still reads the application (status, documents: how it knows when it may act) without the contact.
This one rule serves both the contact read and the whole-record read (`visible`)."""

from __future__ import annotations

from services.onboarding.domain import AWAITING_ENDORSEMENT, AWAITING_INSPECTION, Supplier
from services.onboarding.nations import nation
from shared.contracts.actors import Actor, Role
from shared.errors import NotAllowed

READ_ANY = (Role.STAFF, Role.AGENCY, Role.INSPECTION)  # they review, endorse or inspect any applicant


def _owns(actor: Actor, supplier: Supplier) -> bool:
    """The SME itself, or the onboarding partner that applied for it."""
    if actor.role is Role.SUPPLIER:
        return actor.supplier_id == supplier.supplier_id
    return actor.role is Role.PARTNER and actor.organisation == supplier.submitted_by


def awaits_their_step(actor: Actor, supplier: Supplier) -> bool:
    """Whether the supplier is in this agency's or inspection body's part of the verification now."""
    if actor.role is Role.AGENCY:
        endorsers = {agency.value for agency in nation(supplier.profile.country).agencies}
        return supplier.status in AWAITING_ENDORSEMENT and actor.organisation in endorsers
    return actor.role is Role.INSPECTION and supplier.status in AWAITING_INSPECTION


def sees_contact(actor: Actor, supplier: Supplier) -> bool:
    return (actor.role in (Role.STAFF, Role.NOTIFIER) or _owns(actor, supplier)
            or awaits_their_step(actor, supplier))


def may_read(actor: Actor, supplier: Supplier) -> None:
    """The full record (documents, contact) is for the SME itself, the partner that applied for it, staff,
    agencies and inspection bodies; the public face is the country page's business."""
    if actor.role in READ_ANY or _owns(actor, supplier):
        return
    raise NotAllowed(f"supplier {supplier.supplier_id} is not yours to read ({actor.role.value} "
                     f"{actor.organisation or actor.subject})", supplier_id=supplier.supplier_id)


def visible(actor: Actor, supplier: Supplier) -> Supplier:
    """The record as this caller may read it: without the contact for an agency or inspection body outside its step."""
    may_read(actor, supplier)
    return supplier if sees_contact(actor, supplier) else supplier.without_contact()


def may_read_contact(actor: Actor, supplier: Supplier) -> None:
    if not sees_contact(actor, supplier):
        raise NotAllowed(f"supplier {supplier.supplier_id}'s contact is for the SME, its onboarding partner, staff, "
                         f"the notifier and the agency or inspection body whose step it awaits (it is "
                         f"{supplier.status.value}; your token: {actor.role.value} "
                         f"{actor.organisation or actor.subject})", supplier_id=supplier.supplier_id)


def may_choose_for(actor: Actor, supplier: Supplier) -> None:
    """An SME's preferences (language, digest) are its own to set; staff may set them on its behalf."""
    if actor.role is Role.STAFF or (actor.role is Role.SUPPLIER and actor.supplier_id == supplier.supplier_id):
        return
    raise NotAllowed(f"supplier {supplier.supplier_id}'s preferences are set by that SME or staff only",
                     supplier_id=supplier.supplier_id)


def acting_as(actor: Actor, claimed: str | None, what: str) -> str:
    """An agency endorses, an inspection body reports, only as the organisation its token names."""
    organisation = actor.organisation or ""
    if claimed is not None and claimed != organisation:
        raise NotAllowed(f"your token names {organisation}; you cannot {what} as {claimed}",
                         token_organisation=organisation, claimed=claimed)
    return organisation

"""Who acted, on the wire: the role vocabulary of the marketplace's callers and the `actor` every event carries.

Part of the event contract (events name their actor so internal teams can audit who verified whom); the HTTP edge
builds it from the caller's verified token (shared.identity), automated changes name the service itself."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    """Role names as they appear in the identity provider's tokens (e.g. Keycloak realm roles)."""

    SUPPLIER = "supplier"  # an SME's account; its organisation is its supplier id
    PARTNER = "partner"  # an onboarding partner (Clementia) applying on behalf of SMEs
    AGENCY = "agency"  # an export agency (AMDIE, Maroc PME, ASMEX); organisation names which
    INSPECTION = "inspection"  # an inspection body (SGS, TÜV Rheinland, Intertek, Bureau Veritas)
    STAFF = "staff"  # verification staff: reviews documents, verifies, rejects, suspends, reinstates
    OPERATOR = "operator"  # runs the platform: expiry run, dead letters, replay, partner registry
    NOTIFIER = "notifier"  # a service that sends messages to people; may read contacts and nothing else
    BUYER = "buyer"  # sends inquiries without a token (rate-limited); named on the events it causes
    SYSTEM = "system"  # the marketplace itself (periodic expiry, delisting after a suspension); never in a token


Name = Annotated[str, Field(min_length=1, max_length=200)]


class Actor(BaseModel):
    """Who caused a change: the token's subject, the role it acted in, and the organisation it acted for."""

    model_config = ConfigDict(frozen=True)
    subject: Name = Field(description="The identity provider's subject (`sub`) of the caller, or the service name.")
    role: Role
    organisation: Name | None = Field(
        None, description="The supplier id of an SME, the agency, inspection body or partner named by the token.")

    @property
    def supplier_id(self) -> str | None:
        return self.organisation if self.role is Role.SUPPLIER else None


def system(service: str) -> Actor:
    """The actor of a change the marketplace makes by itself."""
    return Actor(subject=f"tijara-{service}", role=Role.SYSTEM)

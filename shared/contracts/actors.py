"""Who acted, on the wire: the role vocabulary of the marketplace's callers and the `actor` every event carries.

Part of the event contract (events name their actor so internal teams can audit who verified whom); the HTTP edge
builds it from the caller's verified token (shared.web.identity), automated changes name the service itself."""

from __future__ import annotations

import hashlib
import hmac
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


# --- people on shared topics ---------------------------------------------------------------------------------------
# Every internal team reads the marketplace's topics; an identity provider's subject names one member of staff, of
# an agency or of an SME. On an event the subject is a pseudonym: HMAC-SHA256 of the subject under the deployment's
# PRIVACY_SECRET, stable (the same person is the same pseudonym on every event, so audits can still count and
# correlate) and opaque to whoever lacks the secret. Onboarding and catalogue, which hold the secret and meet the
# subjects in tokens, can map one back by computing it (`pseudonym(subject)`); role and organisation stay in the
# clear. The marketplace itself (system), the tokenless buyer, the notifier service and partner systems acting by
# their key (subject `partner:<id>`, services/partners) are not people: unchanged.

NOT_PEOPLE = (Role.SYSTEM, Role.BUYER, Role.NOTIFIER)
PSEUDONYM_PREFIX = "anon-"
SYSTEM_SUBJECT_PREFIX = "partner:"  # a partner system, authenticated by its API key
_pseudonym_key = ["tijara-local-privacy-secret"]  # shared.web.runtime sets the deployment's (ServiceSettings)


def use_pseudonym_key(secret: str) -> None:
    """Called once per process by the composition root (shared.web.runtime.Runtime.create)."""
    _pseudonym_key[0] = secret


def pseudonym(subject: str) -> str:
    digest = hmac.new(_pseudonym_key[0].encode(), subject.encode(), hashlib.sha256).hexdigest()
    return f"{PSEUDONYM_PREFIX}{digest[:24]}"


def on_events(actor: Actor | None) -> Actor | None:
    """The actor as events carry it: a person's subject replaced by its pseudonym (idempotent)."""
    if (actor is None or actor.role in NOT_PEOPLE
            or actor.subject.startswith((PSEUDONYM_PREFIX, SYSTEM_SUBJECT_PREFIX))):
        return actor
    return actor.model_copy(update={"subject": pseudonym(actor.subject)})


def system(service: str) -> Actor:
    """The actor of a change the marketplace makes by itself."""
    return Actor(subject=f"tijara-{service}", role=Role.SYSTEM)

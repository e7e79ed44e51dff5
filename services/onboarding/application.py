"""What an SME (or Clementia on its behalf) files: the company's data and its documents. Pure: no I/O."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.suppliers import SupplierProfile
from shared.vocabulary import DocumentKind, Sector

REQUIRED_DOCUMENTS = (DocumentKind.RC_EXTRACT, DocumentKind.ICE_CERTIFICATE)
FOOD_SECTORS = frozenset({Sector.AGRI_FOOD, Sector.SEAFOOD, Sector.OLIVE_OIL_AND_OLIVES, Sector.SPICES_AND_DATES})
"""Food businesses need an ONSSA sanitary approval (Law 28-07)."""


class DocumentReview(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class DocumentSubmission(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: DocumentKind
    reference: Annotated[str, Field(min_length=1, max_length=100, description="Number on the document")]
    url: Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")] | None = None


class Document(DocumentSubmission):
    """A submitted document and where its review stands."""

    review: DocumentReview = DocumentReview.PENDING
    note: str | None = None


class SupplierApplication(BaseModel):
    """An application is complete only with the RC number and its city and a contact person."""

    model_config = ConfigDict(frozen=True)
    profile: SupplierProfile
    documents: list[DocumentSubmission] = Field([], max_length=20)

    @model_validator(mode="after")
    def _complete(self) -> SupplierApplication:
        missing = [name for name in ("rc_number", "rc_city", "contact") if getattr(self.profile, name) is None]
        if missing:
            raise ValueError(f"profile is missing {', '.join(missing)}: an application needs the RC number with "
                             "its city and a contact person")
        kinds = [d.kind for d in self.documents]
        if len(kinds) != len(set(kinds)):
            raise ValueError("each kind of document may be submitted once")
        return self


def required_documents(profile: SupplierProfile) -> list[DocumentKind]:
    """RC extract and ICE certificate for everyone; ONSSA approval for food businesses."""
    needed = list(REQUIRED_DOCUMENTS)
    if FOOD_SECTORS & set(profile.sectors):
        needed.append(DocumentKind.ONSSA_APPROVAL)
    return needed

"""What an SME (or Clementia on its behalf) files: the company's data and its documents. Pure: no I/O."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.onboarding.nations import compact_identifier, nation
from shared.contracts.suppliers import SupplierProfile
from shared.contracts.vocabulary import DocumentKind


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
    """An application is complete only with its country's company identifiers (Morocco: ICE and the RC number with
    its city), a region of that country and a contact person."""

    model_config = ConfigDict(frozen=True)
    profile: SupplierProfile
    documents: list[DocumentSubmission] = Field([], max_length=20)

    @model_validator(mode="before")
    @classmethod
    def _compact_identifier(cls, data: object) -> object:
        profile = data.get("profile") if isinstance(data, dict) else None
        if isinstance(profile, dict) and "company_id" in profile:
            data = {**data, "profile": {**profile, "company_id": compact_identifier(profile["company_id"])}}
        return data

    @model_validator(mode="after")
    def _complete(self) -> SupplierApplication:
        problems = nation(self.profile.country).problems(self.profile)
        if self.profile.contact is None:
            problems.append("profile is missing contact: an application needs a contact person")
        if problems:
            raise ValueError("; ".join(problems))
        kinds = [d.kind for d in self.documents]
        if len(kinds) != len(set(kinds)):
            raise ValueError("each kind of document may be submitted once")
        return self


def required_documents(profile: SupplierProfile) -> list[DocumentKind]:
    """The identity documents of the supplier's country; for food businesses in Morocco also the ONSSA approval."""
    return nation(profile.country).required_documents(profile)

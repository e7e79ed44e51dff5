"""A supplier's contact as messages to it need it, and the SME's choices about them. Pure: no I/O.

The contact person (name, e-mail, phone) never leaves onboarding on an event; the preferences are not public state
either, so they live in onboarding's own `contact_preferences` collection and travel on no event. Who may read a
contact is services/onboarding/access.py."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.onboarding.domain import Supplier
from services.onboarding.nations import nation


class Language(StrEnum):
    FRENCH = "fr"
    ENGLISH = "en"
    ARABIC = "ar"


class Digest(StrEnum):
    IMMEDIATE = "immediate"  # a message per inquiry or decision, as it happens
    DAILY = "daily"  # one message a day gathering them


class Preferences(BaseModel):
    """What the SME chose; a field left out takes the default (the country's language: French in Morocco, English
    elsewhere; a message as things happen)."""

    model_config = ConfigDict(frozen=True)
    language: Language | None = Field(None, description="fr, en or ar; default: French in Morocco, else English")
    digest: Digest = Field(Digest.IMMEDIATE, description="immediate (default) or daily")


class ContactPreferences(BaseModel):
    model_config = ConfigDict(frozen=True)
    supplier_id: str
    language: Language
    digest: Digest


class SupplierContactCard(BaseModel):
    """Everything a message to the SME needs: whom to write to, in which language, how often, and the onboarding
    partner to copy (null when the SME applied itself)."""

    model_config = ConfigDict(frozen=True)
    supplier_id: str
    company_name: str = Field(description="The trade name, as buyers see it on the country page")
    contact_name: str | None = Field(description="Null only for a supplier stored before a contact was required")
    email: str | None
    phone: str | None
    language: Language
    digest: Digest
    partner: str | None = Field(description="The onboarding partner that applied for the SME, if one did")


def chosen(supplier: Supplier, preferences: Preferences | None) -> ContactPreferences:
    preferences = preferences or Preferences()
    language = preferences.language or Language(nation(supplier.profile.country).language)
    return ContactPreferences(supplier_id=supplier.supplier_id, language=language, digest=preferences.digest)


def contact_card(supplier: Supplier, preferences: Preferences | None) -> SupplierContactCard:
    contact, choice = supplier.profile.contact, chosen(supplier, preferences)
    return SupplierContactCard(
        supplier_id=supplier.supplier_id, company_name=supplier.profile.trade_name,
        contact_name=contact and contact.name, email=contact and contact.email, phone=contact and contact.phone,
        language=choice.language, digest=choice.digest, partner=supplier.submitted_by)

"""The gate's personal-data rule: a field named or formatted like an e-mail address or phone number is refused on a
shared topic unless the schema marks it personal and the topic is restricted; the contract as it stands passes; and
people's ids on events are pseudonyms."""

from __future__ import annotations

from typing import Annotated, ClassVar

import pytest
from pydantic import EmailStr, Field

from shared.contracts import gate as contract
from shared.contracts import personal_fields
from shared.contracts.actors import Actor, Role, on_events, pseudonym
from shared.contracts.envelope import Event, Topic
from shared.contracts.personal_fields import PERSONAL
from shared.contracts.suppliers import SupplierEvent


class BadInquiry(Event):  # deliberately bad: no TYPE, so it never joins the contract's registry
    TOPIC: ClassVar[Topic] = Topic.INQUIRIES
    SUBJECT: ClassVar[str] = "inquiry_id"
    inquiry_id: str
    buyer_email: str | None = None  # named like an e-mail
    reach: EmailStr | None = None  # formatted as one
    callback: Annotated[str, Field(pattern=r"^\+?[0-9 ()-]{6,30}$")] | None = None  # formatted like a phone number
    hs_code: Annotated[str, Field(pattern=r"^\d{6}$")] | None = None  # six digits: not a phone number


class MarkedButShared(Event):
    TOPIC: ClassVar[Topic] = Topic.INQUIRIES
    SUBJECT: ClassVar[str] = "inquiry_id"
    inquiry_id: str
    contact_phone: str | None = Field(None, json_schema_extra=PERSONAL)


def schema_of(model, topic: str | None = None) -> dict:
    schema = model.model_json_schema(mode="validation")
    schema["x-kafka-topic"] = topic or model.TOPIC.value
    return schema


def test_a_field_named_or_formatted_like_an_email_or_phone_is_refused_on_a_shared_topic() -> None:
    problems = contract.personal_data_problems({"ma.tijara.test.bad.v1": schema_of(BadInquiry)})
    refused = sorted(p.split(":")[1].split()[0] for p in problems)
    assert refused == ["buyer_email", "callback", "reach"], problems
    assert all("not marked personal" in p for p in problems)


def test_marked_personal_is_still_refused_on_a_topic_every_team_reads() -> None:
    [problem] = contract.personal_data_problems({"ma.tijara.test.marked.v1": schema_of(MarkedButShared)})
    assert "contact_phone is personal data on inquiries.inquiries" in problem


@pytest.mark.parametrize("topic", sorted(personal_fields.RESTRICTED_TOPICS))
def test_marked_personal_on_a_restricted_topic_passes(topic: str) -> None:
    assert contract.personal_data_problems({"ma.tijara.test.marked.v1": schema_of(MarkedButShared, topic)}) == []


def test_the_contract_as_it_stands_passes_and_supplier_contacts_are_withheld() -> None:
    assert contract.personal_data_problems(contract.current_schemas()) == []
    schema = contract.event_schema(SupplierEvent.__subclasses__()[0])
    assert schema["x-withheld"] == ["profile.contact"]
    without = {**schema, "x-withheld": []}  # were it filled, the gate would refuse it on onboarding.suppliers
    problems = contract.personal_data_problems({"t": without})
    assert sorted(p.split(":")[1].split()[0] for p in problems) == ["profile.contact.email",
                                                                   "profile.contact.phone"]


def test_restricted_topics_are_partner_topics() -> None:
    from shared.contracts.partners import PartnerTopic
    assert personal_fields.RESTRICTED_TOPICS <= {t.value for t in PartnerTopic}


def test_people_on_events_are_pseudonyms_and_services_are_not() -> None:
    staff = Actor(subject="karim.benali@tijara", role=Role.STAFF)
    shown = on_events(staff)
    assert shown.subject == pseudonym("karim.benali@tijara") and shown.subject.startswith("anon-")
    assert "karim" not in shown.model_dump_json() and shown.role is Role.STAFF
    assert on_events(shown) == shown  # idempotent
    agency = Actor(subject="officer-7", role=Role.AGENCY, organisation="AMDIE")
    assert on_events(agency).organisation == "AMDIE"
    for service in (Actor(subject="tijara-onboarding", role=Role.SYSTEM), Actor(subject="buyer", role=Role.BUYER)):
        assert on_events(service) == service

"""The schema gate's personal-data rule (shared.contracts.gate runs it on every event type): a field named or formatted like
an e-mail address or a phone number is refused on a topic, unless its schema marks it personal (`x-personal`, set
with `PERSONAL` below) AND the topic is restricted (read only by the services that must see it, kept weeks, not
forever) — or the event type declares it withheld (a field kept in the schema for compatibility that its producer
never fills; supplier events' `profile.contact`, which onboarding always publishes as null).

A name is personal when one of its words is e-mail, mail, phone, telephone, tel, mobile, fax or whatsapp; a format
when the schema says `email`/`idn-email`, or its pattern requires an `@` or reads like a phone number's (a `+` prefix,
or digits with spaces or brackets).

Why a restricted topic and not just a mark: the log keeps what it is given, for every reader, for as long as the
topic keeps anything (the aggregate streams: forever), and an erasure cannot reach into it."""

from __future__ import annotations

import re
from typing import Any

PERSONAL = {"x-personal": True}  # json_schema_extra of a field that holds personal data
# partner input with an SME's contact (shared.contracts.partners.PartnerTopic): only the partners service and onboarding read
# them, and they are kept four weeks (shared.messaging.topics.partner_topics)
RESTRICTED_TOPICS = frozenset({"partners.applications", "partners.commands"})
_NAME = re.compile(r"(^|[_-])(e[-_]?mail|mail|phone|telephone|tel|mobile|fax|whatsapp)([_-]|$)", re.IGNORECASE)
# a pattern allowing an international "+" prefix, or digits mixed with spaces or brackets: a phone number's form
_PHONE_PATTERN = re.compile(r"\\\+|\[[^\]]*(0-9|\\d)[^\]]*[ ()][^\]]*\]|\[[^\]]*[ ()][^\]]*(0-9|\\d)[^\]]*\]")


def looks_personal(name: str, schema: dict[str, Any]) -> bool:
    if _NAME.search(name):
        return True
    for variant in [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]:
        if not isinstance(variant, dict):
            continue
        pattern = variant.get("pattern", "")
        if variant.get("format") in ("email", "idn-email") or "@" in pattern or _PHONE_PATTERN.search(pattern):
            return True
    return False


def problems(ce_type: str, schema: dict[str, Any], resolved: dict[str, Any]) -> list[str]:
    """What in one event type's schema (`resolved`: its $refs inlined) puts personal data where it may not be."""
    topic = schema.get("x-kafka-topic", "")
    withheld = tuple(schema.get("x-withheld", ()))
    found = []
    for path, field in _fields(resolved, ""):
        name = path.rsplit(".", 1)[-1].rstrip("[]")
        if not looks_personal(name, field):
            continue
        if any(path == w or path.startswith(f"{w}.") for w in withheld):
            continue
        if not field.get("x-personal"):
            found.append(f"{ce_type}: {path} looks like personal data (an e-mail address or phone number) and is not "
                         "marked personal: keep it off shared topics, or mark it (shared.contracts.personal_fields.PERSONAL) "
                         "and publish it only on a restricted topic")
        elif topic not in RESTRICTED_TOPICS:
            found.append(f"{ce_type}: {path} is personal data on {topic}, a topic every team reads: only restricted "
                         f"topics ({', '.join(sorted(RESTRICTED_TOPICS))}) may carry it")
    return found


def _fields(schema: Any, path: str):
    """(dotted path, schema) of every property, nested objects, list items and variants included."""
    if not isinstance(schema, dict):
        return
    for member in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _fields(member, path)
    if isinstance(schema.get("items"), dict):
        yield from _fields(schema["items"], f"{path}[]")
    for name, child in schema.get("properties", {}).items():
        child_path = f"{path}.{name}" if path else name
        yield child_path, child
        yield from _fields(child, child_path)

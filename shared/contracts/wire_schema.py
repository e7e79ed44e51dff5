"""The published form of a wire model's JSON Schema: what the code does, said in the schema (shared.contracts.gate writes
it to shared/contracts/schemas/, shared.contracts.asyncapi puts it in the AsyncAPI documents)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

ADDED_LATER = ("Any other string: a value added after this schema was published (an additive change); readers "
               "keep it, they do not refuse the event.")
TIMES = {  # what each time field means (by field, or by "Model.field" where it means something else there)
    "occurred_at": "When the marketplace recorded this change (the producer's clock), ~ the ce_time header. Not when "
                   "the fact happened in the world: an inquiry imported from before the marketplace has occurred_at "
                   "(and ce_time) days after its received_at.",
    "received_at": "When the buyer sent the inquiry: group and window inquiries by this time, not by ce_time or "
                   "occurred_at.",
    "Provenance.received_at": "When the partner's input reached the marketplace (the gateway's or inbox's clock).",
    "responded_at": "When the supplier first answered; response time = responded_at - received_at.",
    "closed_at": "When the inquiry was closed.",
    "verified_at": "When the supplier became verified.",
    "valid_until": "End of the current verification, once verified.",
    "expired_at": "When the supplier's verification lapsed.",
    "inspected_on": "The day the inspection body inspected the supplier's site.",
    "report_valid_until": "Until when the inspection report is valid.",
}


class WireSchema(GenerateJsonSchema):
    """What the code does, said in the schema: enums are open (a value may be added; readers keep one they do not
    know: `anyOf` the known values or any string, the form datamodel-code-generator turns into `Enum | str`, plus
    the `x-extensible-enum` marker) and decimals travel as strings ("12.50": pydantic writes Decimal so), typed
    `format: decimal` (datamodel-code-generator: Decimal)."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        return {"type": "string", "format": "decimal",
                "description": "A decimal number written as a JSON string, e.g. \"12.50\"; never a float."}

    def enum_schema(self, schema: core_schema.EnumSchema) -> JsonSchemaValue:
        return _open(super().enum_schema(schema))

    def literal_schema(self, schema: core_schema.LiteralSchema) -> JsonSchemaValue:
        closed = super().literal_schema(schema)
        return _open(closed) if "enum" in closed and closed.get("type") == "string" else closed


def _open(closed: dict[str, Any]) -> dict[str, Any]:
    values = closed.pop("enum")
    return {**{k: v for k, v in closed.items() if k != "type"}, "x-extensible-enum": values,
            "anyOf": [{"type": "string", "enum": values}, {"type": "string", "description": ADDED_LATER}]}


def _describe_times(schema: Any) -> None:
    if isinstance(schema, list):
        for item in schema:
            _describe_times(item)
    elif isinstance(schema, dict):
        for name, prop in schema.get("properties", {}).items():
            meaning = TIMES.get(f"{schema.get('title')}.{name}", TIMES.get(name))
            if meaning and "description" not in prop:
                prop["description"] = meaning
        for value in schema.values():
            _describe_times(value)


def wire_schema(model: type[BaseModel], ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
    """The model's JSON Schema as published (validation mode: what a consumer validates against)."""
    schema = model.model_json_schema(mode="validation", ref_template=ref_template, schema_generator=WireSchema)
    _describe_times(schema)
    return schema

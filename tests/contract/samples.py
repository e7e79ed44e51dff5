"""Event data generated from a JSON Schema alone (what a producer of that schema may send), deterministically:
`minimal` fills only the required properties, `full` every property, each at the edge its constraints allow (the
a short string a pattern matches, the smallest number above a bound). `added_enum_values` puts a value no enum of
the schema had yet wherever an enum is: what a producer sends after an additive change the readers never saw."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import Phase, find, settings
from hypothesis import strategies as st

DATE_TIME = "2026-01-02T03:04:05Z"
FORMATS = {"date-time": DATE_TIME, "date": "2026-01-02", "decimal": "12.50"}
ADDED_LATER = "added-later"


def generate(schema: dict[str, Any], full: bool, added_enum: bool = False) -> Any:
    return _Generator(schema.get("$defs", {}), full, added_enum).value(schema)


def minimal(schema: dict[str, Any]) -> Any:
    return generate(schema, full=False)


def full(schema: dict[str, Any]) -> Any:
    return generate(schema, full=True)


def added_enum_values(schema: dict[str, Any]) -> Any:
    return generate(schema, full=True, added_enum=True)


@functools.cache
def matching(pattern: str, min_length: int, max_length: int) -> str:
    """A string the regex fully matches within the length bounds (hypothesis, derandomized: the same every run)."""
    return find(st.from_regex(pattern, fullmatch=True), lambda s: min_length <= len(s) <= max_length,
                settings=settings(database=None, derandomize=True, phases=[Phase.generate], max_examples=2000))


class _Generator:
    def __init__(self, defs: dict[str, Any], full: bool, added_enum: bool) -> None:
        self.defs, self.full, self.added_enum = defs, full, added_enum

    def value(self, schema: dict[str, Any]) -> Any:
        if "$ref" in schema:
            return self.value({**self.defs[schema["$ref"].rsplit("/", 1)[-1]],
                               **{k: v for k, v in schema.items() if k != "$ref"}})
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return ADDED_LATER if self.added_enum else schema["enum"][-1 if self.full else 0]
        variants = schema.get("anyOf") or schema.get("oneOf")
        if variants:
            return self.value(next((v for v in variants if v.get("type") != "null"), variants[0]))
        kind = schema.get("type", "object")
        return getattr(self, f"_{kind}")(schema)

    def _object(self, schema: dict[str, Any]) -> dict[str, Any]:
        properties = schema.get("properties", {})
        names = properties if self.full else schema.get("required", [])
        return {name: self.value(properties[name]) for name in names}

    def _array(self, schema: dict[str, Any]) -> list[Any]:
        count = max(schema.get("minItems", 0), 1 if self.full else 0)
        return [self.value(schema.get("items", {})) for _ in range(count)]

    def _string(self, schema: dict[str, Any]) -> str:
        if schema.get("format") in FORMATS:
            return FORMATS[schema["format"]]
        low, high = schema.get("minLength", 1), schema.get("maxLength", 40)
        if "pattern" in schema:
            return matching(schema["pattern"], low, high)
        return "x" * (high if self.full and high <= 40 else low)

    def _integer(self, schema: dict[str, Any]) -> int:
        return int(self._number(schema))

    def _number(self, schema: dict[str, Any]) -> float:
        if "minimum" in schema:
            low = schema["minimum"]
        elif "exclusiveMinimum" in schema:
            low = schema["exclusiveMinimum"] + 1
        else:
            low = 1
        step = schema.get("multipleOf")
        return -(-low // step) * step if step else low

    @staticmethod
    def _boolean(schema: dict[str, Any]) -> bool:
        return True

    @staticmethod
    def _null(schema: dict[str, Any]) -> None:
        return None

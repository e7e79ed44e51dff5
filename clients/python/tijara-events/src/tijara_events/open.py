"""Open enums: the contract may add a value to any enum (an additive change), so a reader keeps a value it does not
know as the plain string it is, never an error. `Open[Sector]`: a `Sector` member, or the new value as a `str`."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator

E = TypeVar("E", bound=Enum)


def _member_or_value(enum: type[Enum]):
    def read(value: Any) -> Any:
        if isinstance(value, enum):
            return value
        try:
            return enum(value)
        except ValueError:
            return value  # a value added after this package was built: kept as it came
    return read


class _Open:
    def __class_getitem__(cls, enum: type[E]) -> Any:
        return Annotated[enum | str, BeforeValidator(_member_or_value(enum))]


Open = _Open
"""`Open[SomeEnum]`: the member for a known value, the string itself for a value added later."""


def known(value: Any) -> bool:
    """True when an open-enum value is one this package knows (a member), False for one added later."""
    return isinstance(value, Enum)

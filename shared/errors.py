"""Domain errors a person can act on. They carry no HTTP status: each service's HTTP edge (api.py) maps them, and a
consumer maps them to a receipt or a dead letter. `title` is the short name shown as `error` in the JSON answer."""

from __future__ import annotations


class MarketplaceError(Exception):
    """The request cannot be carried out as asked (an unknown name, a missing reason, ...)."""

    title = "invalid request"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(MarketplaceError):
    title = "not found"


class Conflict(MarketplaceError):
    """The request is valid but the current state forbids it (illegal transition, unverified supplier, ...)."""

    title = "conflict"


class ConcurrentUpdate(Conflict):
    title = "concurrent update"


class NotAllowed(MarketplaceError):
    """The actor may not do this: it lacks the role, or the supplier, listing or inquiry is not its own."""

    title = "forbidden"

"""Errors a person can act on. Domain and service code raise these; the HTTP layer turns them into 4xx answers."""

from __future__ import annotations


class MarketplaceError(Exception):
    status = 400
    title = "bad request"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(MarketplaceError):
    status = 404
    title = "not found"


class Conflict(MarketplaceError):
    """The request is valid but the current state forbids it (illegal transition, unverified supplier, ...)."""

    status = 409
    title = "conflict"


class ConcurrentUpdate(Conflict):
    title = "concurrent update"

"""One JSON shape for every error answer, `{"error": <short title>, "message": <sentence>, ...details}`, whatever
raised it: a domain error (mapped to a status by STATUSES below), a refused token, a body that is not JSON,
a body that does not validate, a body too large, an unknown route. Also the OpenAPI declaration of those answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import Conflict, MarketplaceError, NotAllowed, NotFound
from shared.web.identity import IdentityProviderUnavailable, Unauthenticated


class TooManyRequests(Exception):
    """A client over its rate: 429 with Retry-After (seconds, or the epoch second the window resets)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ErrorAnswer(BaseModel):
    """Every 4xx/5xx answer. Details depend on the error, e.g. `current_state` and `allowed_from` on an illegal
    step, `problems` on an invalid body, `required_role` on a refusal."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})
    error: str = Field(description="Short title, e.g. 'forbidden', 'conflict', 'invalid request'.")
    message: str = Field(description="One sentence a person can act on.")


MEANINGS = {
    400: "The request is malformed (not JSON) or names something unknown, or lacks a required reason.",
    401: "No bearer token, or it is malformed, expired, from another issuer or for another audience.",
    403: "The token lacks the role, or the supplier, listing or inquiry is not the caller's.",
    404: "No such supplier, product or inquiry.",
    409: "The current state forbids this step (e.g. an illegal verification step); see `current_state`.",
    413: "The body is larger than this service accepts.",
    422: "The body does not match the schema; `problems` lists each field.",
    429: "Too many requests from this client; retry after `Retry-After` seconds.",
    503: "A dependency (identity provider, Kafka) is unreachable; retry.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status it can answer, with the one error model."""
    return {status: {"model": ErrorAnswer, "description": MEANINGS[status]} for status in statuses}


def answer(status: int, error: str, message: str, headers: Mapping[str, str] | None = None,
           **details: object) -> JSONResponse:
    return JSONResponse({"error": error, "message": message, **details}, status_code=status,
                        headers=dict(headers or {}))


# The status of each domain error (shared.errors), for every service: a service passes only what differs, e.g. an
# error class of its own (to create_app, which passes it here).
STATUSES: Mapping[type[MarketplaceError], int] = {NotFound: 404, Conflict: 409, NotAllowed: 403, MarketplaceError: 400}


def install(app: FastAPI, statuses: Mapping[type[MarketplaceError], int], max_body_bytes: int) -> None:
    """Exception handlers for the one shape; `statuses`: the service's additions to STATUSES (the most specific
    class in an error's MRO wins)."""
    statuses = {**STATUSES, **statuses}

    async def domain_error(_: Request, error: MarketplaceError) -> JSONResponse:
        status = next((statuses[c] for c in type(error).__mro__ if c in statuses), 400)
        return answer(status, error.title, error.message, **error.details)

    app.add_exception_handler(MarketplaceError, domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(IdentityProviderUnavailable, _identity_unavailable)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(TooManyRequests, _too_many)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)


def declare_common(routers: Iterable[APIRouter]) -> None:
    """What every route may answer without saying so: 413 (BodyLimit) on a body, 422 on a parameter or body that
    does not validate, 404 on a path naming something. A route declares the rest (400, 401, 403, 409, 429)."""
    from fastapi.routing import APIRoute, create_model_field

    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        statuses = []
        if route.body_field is not None:
            statuses += [413, 422]
        if route.dependant.query_params or route.dependant.path_params:
            statuses.append(422)
        if route.dependant.path_params:
            statuses.append(404)
        for status, declared in responses(*statuses).items():
            if status not in route.responses:  # FastAPI reads the model from response_fields, built at init
                route.responses[status] = declared
                route.response_fields[status] = create_model_field(
                    name=f"Response_{status}_{route.unique_id}", type_=ErrorAnswer, mode="serialization")


async def _validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
    """A body that is not JSON is a 400; one that does not fit the schema a 422 with one line per problem."""
    errors = error.errors()
    broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if broken is not None:
        reason = (broken.get("ctx") or {}).get("error", "invalid JSON")
        return answer(400, "malformed JSON", f"the body is not valid JSON ({reason}, at character "
                      f"{broken['loc'][-1] if broken.get('loc') else '?'}); send a JSON object")
    if any(tuple(e["loc"]) == ("body",) and isinstance(e.get("input"), bytes | str) for e in errors):
        return answer(400, "malformed JSON", "the body is not a JSON object; send JSON with "
                      "'Content-Type: application/json'")
    problems = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in errors]
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:5])
    return answer(422, "invalid request", summary, problems=problems)


async def _unauthenticated(_: Request, error: Unauthenticated) -> JSONResponse:
    return answer(401, "unauthenticated", error.message, headers={"WWW-Authenticate": error.challenge()})


async def _identity_unavailable(_: Request, error: IdentityProviderUnavailable) -> JSONResponse:
    return answer(503, "identity provider unavailable", str(error), headers={"Retry-After": "5"})


async def _too_many(_: Request, error: TooManyRequests) -> JSONResponse:
    import time

    wait = error.retry_after - time.time() if error.retry_after > 1e9 else error.retry_after  # epoch or seconds
    return answer(429, "too many requests", str(error), headers={"Retry-After": str(max(1, int(wait) + 1))})


async def _http_exception(_: Request, error: HTTPException) -> JSONResponse:
    """Starlette's own answers (unknown route 404, wrong method 405, body parse 400) in the one shape."""
    from http import HTTPStatus

    title = HTTPStatus(error.status_code).phrase.lower()
    message = error.detail if isinstance(error.detail, str) else title
    return answer(error.status_code, title, message, headers=error.headers)


class BodyLimit:
    """Refuses a request body larger than `max_bytes` with 413 before the route reads it (by Content-Length, and by
    counting what arrives when the length is not declared). Pure ASGI, so nothing is buffered twice."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(scope, receive, send)
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise HTTPException(413, f"the body may be at most {self.max_bytes} bytes")
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = answer(413, "body too large", f"the body may be at most {self.max_bytes} bytes")
        await response(scope, receive, send)

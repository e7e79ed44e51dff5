"""A page over HTTP at the cost of a dictionary look-up: the route calls the page's handler directly, the handler
reads its query from a cache of validated query strings, and the answer's headers are bytes kept with the rendition.

Measured with `python -m bench.page` (py-spy on the server): FastAPI's per-request work around a handler (solving
its parameters, two exit stacks, a second exception wrapper, a Response whose headers are encoded anew) was a third
of the page's CPU beyond `/healthz`, and validating the eleven-field query model a fifth. The page still passes
through every middleware of the app (tracing, metrics, access log) like any route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from services.showcase.pages.prebuilt import Rendition

M = TypeVar("M", bound=BaseModel)


class PrebuiltRoute(APIRoute):
    """A page GET whose handler takes the path's parameters and `request` only, reads the query itself and returns
    a Response: called directly. The declared parameters, models and answers still make the OpenAPI; what the
    handler raises (a 404, a 422) reaches the app's exception handlers, as from any route."""

    def __init__(self, path: str, endpoint: Callable, **declared) -> None:
        super().__init__(path, endpoint, **declared)
        d = self.dependant
        if d.query_params or d.header_params or d.cookie_params or d.body_params or d.dependencies \
                or d.request_param_name != "request":
            raise TypeError(f"{path}: a page's handler takes the path's parameters and `request` only")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in self.methods:
            return await super().handle(scope, receive, send)  # a 405, as any route answers it
        response = await self.endpoint(request=Request(scope, receive), **scope["path_params"])
        await response(scope, receive, send)


def validated(model: type[M], params: QueryParams) -> M:
    """A query as `model`; a bad value is the same 422 as a declared parameter's."""
    try:
        return model.model_validate(dict(params))
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in error.errors(include_url=False)])


class Prebuilt(Response):
    """A rendition as the answer: 304 when `If-None-Match` names its ETag (weak or strong, in a list); its
    Content-Length and Content-Type from bytes kept with it (Rendition.headers)."""

    def __init__(self, page: Rendition, cache_control: str, if_none_match: str | None, lang: str | None,
                 negotiated: bool) -> None:
        self.background = None
        headers = [(b"etag", page.etag_bytes), (b"cache-control", cache_control.encode())]
        if lang:
            headers.append((b"content-language", lang.encode()))
        if negotiated:  # the same URL answers per Accept-Language: caches must key on it
            headers.append((b"vary", b"Accept-Language"))
        if if_none_match and page.etag in {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}:
            self.status_code, self.body, self.raw_headers = 304, b"", headers
        else:
            headers.extend(page.headers)
            self.status_code, self.body, self.raw_headers = 200, page.body, headers

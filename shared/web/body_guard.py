"""Request bodies the store can hold, checked at the HTTP edge: a readable 422 instead of a 500 from the driver.

MongoDB (BSON) holds integers of at most 64 bits and documents nested at most 100 levels; Python and JSON have no
such limits, so `{"moq": 1e30 as an integer}` passed validation and failed at the write with `OverflowError`. This
guard reads JSON bodies of writes once, before routing, and refuses any integer outside int64 in any field and any
nesting deeper than `MAX_DEPTH` (no marketplace document comes near it). Bodies that are not valid JSON pass
through to FastAPI, which answers them with its own readable 422.
"""

from __future__ import annotations

import json

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DEPTH = 32
WRITES = {"POST", "PUT", "PATCH"}


def unstorable(document: object) -> tuple[str, str] | None:
    """The first (field, problem) the store could not hold, or None. Iterative: depth costs no recursion."""
    stack: list[tuple[str, object, int]] = [("body", document, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path, f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            return path, f"{value} is beyond the 64-bit integer range the store holds (at most {INT64_MAX})"
        if isinstance(value, dict):
            stack.extend((f"{path}.{key}", item, depth + 1) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}", item, depth + 1) for index, item in enumerate(value))
    return None


class StorableBodyGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES or not _is_json(scope):
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        problem = _problem(body)
        if problem:
            field, text = problem
            answer = JSONResponse({"error": "invalid request", "message": f"{field}: {text}",
                                   "problems": [{"field": field, "problem": text}]}, status_code=422)
            return await answer(scope, receive, send)
        replayed = False

        async def receive_again() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, receive_again, send)


def _problem(body: bytes) -> tuple[str, str] | None:
    try:
        return unstorable(json.loads(body)) if body else None
    except RecursionError:
        return "body", f"nested more than {MAX_DEPTH} levels deep"
    except ValueError:  # not JSON: FastAPI answers it
        return None


def _is_json(scope: Scope) -> bool:
    content_type = next((v for k, v in scope.get("headers", ()) if k == b"content-type"), b"")
    return content_type.split(b";")[0].strip().lower().endswith(b"json")

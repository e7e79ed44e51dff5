"""HTTP requests seen by operators: rate, errors and duration per route (Prometheus), and one access-log line each.

Labelled by the route's template (`/suppliers/{supplier_id}`), never the raw path, so the series stay few; a path
no route matches is counted as `unmatched`. The access log goes through `logging` (logger `tijara.access`), so
LOG_FORMAT=json makes it JSON carrying the trace id of the request's span.
"""

from __future__ import annotations

import logging
import time

from opentelemetry import trace
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter("tijara_http_requests_total", "HTTP requests answered", ["service", "route", "method",
                                                                                  "status"])
HTTP_SECONDS = Histogram("tijara_http_request_seconds", "Time to answer an HTTP request", ["service", "route",
                                                                                           "method"])
QUIET_ROUTES = {"/healthz", "/readyz", "/metrics"}  # probes and scrapes: measured, logged only at DEBUG

access_log = logging.getLogger("tijara.access")


class AccessMiddleware:
    """Pure ASGI (no response buffering): measures from the first byte in to the last byte out."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        self._series: dict[tuple[str, str, int], tuple] = {}  # the labelled children, looked up once per label set

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:  # still in the request's span (shared.telemetry.tracing.HttpTracing wraps this): the log line carries it
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = _route_template(scope)
        method = scope["method"]
        key = (route, method, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (HTTP_REQUESTS.labels(self.service, route, method, str(status)),
                                          HTTP_SECONDS.labels(self.service, route, method))
        series[0].inc()
        series[1].observe(seconds)
        level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
        if access_log.isEnabledFor(level):
            path = scope["path"] + (f"?{scope['query_string'].decode()}" if scope.get("query_string") else "")
            access_log.log(level, '%s "%s %s" %d %.1fms', _client(scope), method, path, status, seconds * 1000,
                           extra={"route": route, "status": status, "duration_ms": round(seconds * 1000, 1),
                                  "http_method": method, "trace_id": _trace_id()})


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if path is not None else "unmatched"


def _trace_id() -> str | None:
    span = trace.get_current_span().get_span_context()
    return format(span.trace_id, "032x") if span.is_valid else None


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "-"

"""Logs people can read: one line per record, as text or as JSON (`LOG_FORMAT`), with the trace id when there is one."""

from __future__ import annotations

import json
import logging
import sys
import time

from opentelemetry import trace
from pydantic_core import PydanticSerializationError, to_json

_EXTRA_FIELDS = ("trace_id", "route", "http_method", "status", "duration_ms")  # e.g. the access log's


class _JsonFormatter(logging.Formatter):
    _second, _stamp = -1, ""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        fields = record.__dict__
        for name in _EXTRA_FIELDS:
            if fields.get(name) is not None:
                entry[name] = fields[name]
        if "trace_id" not in entry:
            span = trace.get_current_span().get_span_context()
            if span.is_valid:
                entry["trace_id"] = format(span.trace_id, "032x")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _json_line(entry)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """The default format, its seconds part formatted once a second (one line per request)."""
        second = int(record.created)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
        return f"{self._stamp},{int(record.msecs):03d}"


def _json_line(entry: dict) -> str:
    """pydantic-core's serializer: a quarter of json.dumps' time on a line (the access log writes one a request),
    compact separators. Text that UTF-8 cannot carry (a lone surrogate) goes through json.dumps, escaped."""
    try:
        return to_json(entry).decode()
    except PydanticSerializationError:
        return json.dumps(entry)


def setup_logging(service: str, level: str = "INFO", fmt: str = "text") -> None:
    """Text or JSON lines on stderr. Records skip what no format here shows (the caller's file and line, thread and
    process names): the logging HOWTO's "Optimization"; an access line per request is the hot path."""
    logging._srcfile = None  # no stack walk per record (findCaller)
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)-7s {service} %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    faststream = logging.getLogger("faststream")  # it brings its own coloured stdout handler: use ours, JSON too
    faststream.handlers.clear()
    faststream.propagate = True
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)


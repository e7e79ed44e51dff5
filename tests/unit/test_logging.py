"""LOG_FORMAT=json: every line JSON for a log shipper, FastStream's and uvicorn's too, with the trace id."""

import json
import logging

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from shared.telemetry.logs import setup_logging


def test_json_lines_from_every_logger_carry_the_trace_id(capsys):
    handlers, level = logging.root.handlers[:], logging.root.level
    setup_logging("unit", "INFO", "json")
    try:
        with TracerProvider().get_tracer("unit").start_as_current_span("request") as span:
            logging.getLogger("faststream.tijara-unit").info("Received")
            logging.getLogger("uvicorn.error").info("Started server process")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        logging.root.handlers[:] = handlers
        logging.root.setLevel(level)
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert [(line["logger"], line["message"], line["trace_id"]) for line in lines] == [
        ("faststream.tijara-unit", "Received", trace_id), ("uvicorn.error", "Started server process", trace_id)]
    assert trace.get_current_span().get_span_context().is_valid is False

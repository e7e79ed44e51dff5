"""The partner signing test vectors, read out of docs/partners.md (its ```vector blocks), so the guide, the SDK, the
service and the Node example are all checked against the one published copy."""

from __future__ import annotations

import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "partners.md"
SDK_SRC = Path(__file__).resolve().parents[1] / "clients" / "python" / "tijara-partner"
BLOCK = re.compile(r"^```vector\n(.*?)^```", re.MULTILINE | re.DOTALL)


def vectors(text: str | None = None) -> list[dict[str, str]]:
    """Each block as {field: value}; a line is `<field> = <value>` (the value verbatim: body bytes are its UTF-8)."""
    found = []
    for block in BLOCK.findall(text if text is not None else GUIDE.read_text(encoding="utf-8")):
        fields = {}
        for line in block.splitlines():
            name, separator, value = line.partition(" = ")
            if separator:
                fields[name.strip()] = value
        found.append(fields)
    return found


def http_vectors() -> list[dict[str, str]]:
    return [v for v in vectors() if v["kind"] == "http"]


def kafka_vectors() -> list[dict[str, str]]:
    return [v for v in vectors() if v["kind"] == "kafka"]

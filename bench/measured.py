"""The measured rows the capacity plan (bench/capacity.py) stands on, read from recorded runs, never retyped:

- `docs/bench/pipeline-*.txt`, the newest: `make bench-scale`'s whole output (rates and CPU per event, store and
  broker rates), its launch-scale column (250,000 aggregates);
- the documents that record runs not kept whole (README.md, docs/local-store.md, docs/benchmarks.md): the page at
  launch scale, the seeded launch data set and its replay;
- `docs/bench/capacity-inputs-*.txt`, the newest: bytes per event per topic and each service process's memory and
  drain, written by `python -m bench.capacity measure` (which needs the test stack).

Each figure keeps where it came from, so every number the plan prints can be traced to the row it rests on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "docs" / "bench"
DOCUMENTS = [ROOT / "README.md", ROOT / "docs" / "local-store.md", ROOT / "docs" / "benchmarks.md"]


@dataclass(frozen=True)
class Figure:
    value: float
    source: str  # file and row label

    def __str__(self) -> str:
        return f"{self.value:,.1f}" if self.value % 1 else f"{self.value:,.0f}"


def newest(pattern: str) -> Path:
    """The recorded run measured last, by the `YYYY-MM-DD HH:MM UTC` it states (file names need not sort)."""
    def when(path: Path) -> str:
        found = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", path.read_text())
        return found.group(0) if found else ""

    runs = sorted(RECORDED.glob(pattern), key=when)
    if not runs:
        raise FileNotFoundError(f"no recorded run docs/bench/{pattern}")
    return runs[-1]


def table_rows(text: str) -> dict[str, list[float]]:
    """Rows of rich's tables (`│ label │ value │ value │`), a wrapped label joined to its row; the last table
    holding a label wins (the run's final, widest table)."""
    rows: dict[str, list[float]] = {}
    label = None
    for line in text.splitlines():
        if not line.startswith("│"):
            label = None
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        values = [float(v.replace(",", "")) if v else None for v in cells[1:]]
        if any(v is not None for v in values):
            label = cells[0]
            rows[label] = [v for v in values if v is not None]
        elif label and cells[0]:  # a label wrapped onto the next line
            joined = f"{label} {cells[0]}"
            rows[joined] = rows.pop(label)
            label = joined
    return rows


class Pipeline:
    """`make bench-scale`'s recorded output; `row` takes the launch-scale (last) column."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or newest("pipeline-*.txt")
        self.rows = table_rows(self.path.read_text())

    def row(self, label: str) -> Figure:
        return Figure(self.rows[label][-1], f"{self.path.relative_to(ROOT)}: '{label}'")

    def consumer_rate(self, service: str) -> Figure:
        return self.row(f"{service} consumer events/s, log produced raw")

    def cpu_us_per_event(self, service: str, process: str) -> Figure:
        """CPU one event costs `process` (the service, the store or the broker) while `service` reads the log."""
        share, rate = self.row(f"{service} reading: {process} CPU, % of a core"), self.consumer_rate(service)
        return Figure(share.value / 100 * 1e6 / rate.value, f"{share.source} ÷ {rate.source}")


def _documented(pattern: str, what: str, after: str = "") -> Figure:
    """The first number `pattern` captures in the documents (after the heading `after`, when given)."""
    for path in DOCUMENTS:
        text = path.read_text() if path.exists() else ""
        if after and after not in text:
            continue
        found = re.search(pattern, text[text.index(after):] if after else text)
        if found:
            return Figure(float(found.group(1).replace(",", "")),
                          f"{path.relative_to(ROOT)}: {found.group(0).strip()!r}")
    raise ValueError(f"no document states {what} any more (pattern {pattern!r}): re-measure and record it")


class Documented:
    """The figures the documents record from runs that are not kept whole in docs/bench."""

    def page_rate(self, row: str = "page JSON") -> Figure:
        """Closed-loop req/s of one showcase at launch scale (the table after 'The page goals at launch scale')."""
        return _documented(rf"\| {re.escape(row)} \| ([\d,]+) \|", f"the {row} row at launch scale",
                           after="The page goals at launch scale")

    def seeded(self) -> dict[str, Figure]:
        """The launch data set as `tijara seed --scale launch` made it, and its replay."""
        return {
            "suppliers": _documented(r"([\d,]+) suppliers \([\d,]+ verified", "the seeded suppliers"),
            "products": _documented(r"verified, 12 regions\), ([\d,]+) products", "the seeded products"),
            "inquiries": _documented(r"([\d,]+) inquiries\s+\([\d,]+ answered\)", "the seeded inquiries"),
            "answered": _documented(r"inquiries\s+\(([\d,]+) answered\)", "the answered inquiries"),
            "events": _documented(r"\*\*([\d,]+) records in [\d.]+ s", "the seeded log's records"),
            "page urls": _documented(r"[\d,]+ pages, ([\d,]+) URLs", "the sitemap's URLs"),
        }

    def replay_rate(self) -> Figure:
        return _documented(r"otherwise idle \([^)]*\): \*\*[\d.]+ s, ([\d,]+) events/s", "the final replay rate")


class Inputs:
    """`python -m bench.capacity measure`'s recorded output: `topic <name> <bytes> ...`, `process <name> ...`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or newest("capacity-inputs-*.txt")
        self.lines = self.path.read_text().splitlines()

    def _field(self, kind: str, name: str, key: str) -> Figure:
        for line in self.lines:
            words = line.split()
            if words[:2] == [kind, name]:
                fields = dict(w.split("=", 1) for w in words[2:] if "=" in w)
                return Figure(float(fields[key]), f"{self.path.relative_to(ROOT)}: '{kind} {name} {key}'")
        raise KeyError(f"{self.path.name} has no {kind} {name} {key}")

    def event_bytes(self, topic: str) -> Figure:
        return self._field("topic", topic, "bytes_per_event")

    def rss_mib(self, service: str) -> Figure:
        return self._field("process", service, "rss_mib")

    def model_mib(self) -> Figure:
        return self._field("model", "showcase-launch", "rss_mib")

    def drain_seconds(self, service: str) -> Figure:
        return self._field("process", service, "drain_s")

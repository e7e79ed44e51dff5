"""Every consumer reads every event type it consumes, from samples of the producer's CURRENT schema and of the LAST
RELEASED one (shared/contracts/schemas/released/), minimal and full, and with enum values added since: a producer may deploy
before or after its consumers. The matrix is printed at the end of the run."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from shared.contracts import gate as contract
from shared.contracts.registry import UPCASTERS
from shared.messaging.decoding import PoisonEvent, decode
from tests.contract import matrix, samples

CURRENT = contract.current_schemas()
RELEASED = contract.committed_schemas(contract.RELEASED_DIR)


def read_type(ce_type: str) -> str:
    """The type a consumer's reader sees for a message of `ce_type` (old versions are upcast first)."""
    while ce_type in UPCASTERS:
        ce_type, _ = UPCASTERS[ce_type]({})
    return ce_type


CELLS = [(ce_type, consumer) for ce_type in sorted(set(CURRENT) | set(RELEASED))
         for consumer, readers in matrix.CONSUMERS.items() if read_type(ce_type) in readers]


def sample_data(ce_type: str, sample: str) -> dict | None:
    source, kind = sample.split("/")
    schema = (CURRENT if source == "current" else RELEASED).get(ce_type)
    if schema is None:
        return None
    if kind == "enum-value-added":
        return samples.added_enum_values(schema)
    data = samples.generate(schema, full=kind == "full")
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(data)]
    assert not errors, f"generated {sample} sample of {ce_type} is not valid under its schema: {errors}"
    return data


def headers(ce_type: str, subject: str) -> dict[str, bytes]:
    return {k: v.encode() for k, v in {"ce_specversion": "1.0", "ce_id": "matrix-1", "ce_source": "/matrix",
                                       "ce_type": ce_type, "ce_time": samples.DATE_TIME, "ce_subject": subject}.items()}


@pytest.mark.parametrize(("ce_type", "consumer"), CELLS, ids=[f"{t}-{c}" for t, c in CELLS])
def test_consumer_reads_current_and_released_samples(ce_type: str, consumer: str) -> None:
    readers = matrix.CONSUMERS[consumer]
    cell = matrix.CELLS.setdefault((ce_type, consumer), {})
    for sample in matrix.SAMPLES:
        data = sample_data(ce_type, sample)
        if data is None:
            continue  # a type not in that snapshot (new since the release, or no longer produced)
        try:
            envelope = decode(headers(ce_type, "s-1"), json.dumps(data).encode(), readers)
            cell[sample] = "ok" if envelope is not None else "not read"
        except PoisonEvent as poison:
            cell[sample] = f"{poison.kind}: {poison.detail}"
    assert all(outcome == "ok" for outcome in cell.values()), cell


def test_every_consumer_reads_something_and_every_stream_type_has_a_reader() -> None:
    read_types = {t for readers in matrix.CONSUMERS.values() for t in readers}
    stream_types = {t for t, s in CURRENT.items() if s["x-kafka-topic"] in ("onboarding.suppliers",
                                                                             "catalogue.products",
                                                                             "inquiries.inquiries")}
    assert stream_types - {t for t in stream_types if t in UPCASTERS} <= read_types
    assert all(matrix.CONSUMERS.values())


def test_the_released_snapshot_is_not_broken_by_the_current_models() -> None:
    assert contract.all_problems() == []

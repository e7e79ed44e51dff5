"""How a consumed message becomes an event: the one decoder every reader of the log uses (group consumers, the
showcase's follower and replay, the partners inbox, tools).

`decode(headers, value, readers)` reads a message through the reader's model for its type (a consumer's own slim
`Reader`s, or the producers' strict models in shared.contracts.registry.EVENT_TYPES), upcasting an old version first
(shared.contracts.registry.UPCASTERS). It gives an Envelope, None for a type of the contract this reader does not
read, or raises PoisonEvent for what no retry can fix: `undecodable` (no CloudEvents headers, not JSON, a bad
ce_time), `unknown-type` (a type in no contract) or `schema-invalid` (missing or malformed what the reader needs).
`decode_record` is the same for a consumed record, `decode_data` its data alone (for the replay); `DecodeOnce`
lets two readers of the same records in one process share each decoded record."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.contracts.envelope import SPECVERSION, Envelope
from shared.contracts.registry import EVENT_TYPES, UPCASTERS

Readers = Mapping[str, type[BaseModel]]  # the reader's model per event type


class PoisonEvent(Exception):
    """A message no retry can fix. `kind`: undecodable, unknown-type or schema-invalid (or a handler's own)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def decode(headers: Mapping[str, bytes | str], value: bytes | None, readers: Readers) -> Envelope | None:
    """Read a consumed message through the reader's model for its type (upcasting old versions first).
    None: a contract type this reader does not read. PoisonEvent: a message no reader can take (no CloudEvents
    headers, not JSON, a type in no contract, or missing or malformed what the reader needs)."""
    # headers decoded once; bytes that are not UTF-8 read as U+FFFD: such a type is in no contract (a dead letter)
    headers = {name: raw.decode(errors="replace") if isinstance(raw, bytes) else raw for name, raw in headers.items()}
    data, ce_type = _validated(headers, value, readers), headers.get("ce_type")
    if data is None:  # not the common case: parse, upcast, then validate, each failure with its own reason
        ce_type, payload, _, _ = _parse(headers, value)
        model = readers.get(ce_type)
        if model is None:
            return None
        try:
            data = model.model_validate(payload)
        except ValidationError as error:
            raise PoisonEvent("schema-invalid", summary(error)) from None
    time = _check_time(headers) or getattr(data, "occurred_at", datetime.now(UTC))
    return Envelope(data=data, source=headers.get("ce_source"), id=headers.get("ce_id"), time=time,
                    traceparent=headers.get("traceparent"), ce_type=ce_type, ce_subject=headers.get("ce_subject"))


def decode_record(record: Any, readers: Readers) -> Envelope | None:
    """`decode` of a consumed record (an aiokafka ConsumerRecord). The common case (CloudEvents headers as UTF-8
    bytes, a current type the reader reads, valid) is read straight from the record: only the envelope's headers
    decoded, no dict of them all, each once; anything else goes through `decode`, which finds out what is wrong."""
    common = _common_case(record, readers)
    if common is None:
        return decode(dict(record.headers or ()), record.value, readers)
    text, data, time = common
    if time is None:
        time = data.occurred_at if hasattr(data, "occurred_at") else datetime.now(UTC)
    # positionally: a frozen dataclass's init takes keywords slower, and this runs once per event
    return Envelope(data, text["ce_source"], text["ce_id"], time, text.get("traceparent"), text["ce_type"],
                    text.get("ce_subject"))


def decode_data(record: Any, readers: Readers) -> Any:
    """`decode_record(record, readers).data` for a reader that needs no envelope (the showcase's replay): the same
    common case without building the Envelope; None and PoisonEvent as `decode_record` gives them."""
    common = _common_case(record, readers)
    if common is not None:
        return common[1]
    envelope = decode(dict(record.headers or ()), record.value, readers)
    return envelope.data if envelope is not None else None


_ENVELOPE_HEADERS = frozenset(("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject",
                               "traceparent"))


def _common_case(record: Any, readers: Readers) -> tuple[dict[str, str], BaseModel, datetime | None] | None:
    """(the envelope's headers, the data, ce_time) of a record in the common case, or None for `decode` to look at
    it (a consumer reads every event through this: each step here is paid per event)."""
    try:  # the last of a name wins, as in dict(headers)
        text = {name: raw.decode() for name, raw in record.headers or () if name in _ENVELOPE_HEADERS}
    except (AttributeError, UnicodeDecodeError):  # str headers (a test's), or not UTF-8: decode's own reading
        return None
    data = _validated(text, record.value, readers)
    if data is None:
        return None
    time_text = text.get("ce_time")
    try:
        return text, data, datetime.fromisoformat(time_text) if time_text else None
    except ValueError:
        return None


class DecodeOnce:
    """`decode_record` for two readers of the same records in one process (the showcase's group consumer and its
    page's log follower): each record decoded once. Whichever reads a record first keeps its envelope here by (topic,
    partition, offset), the other takes it. Bounded: past `limit` the oldest kept go (records the other reader never
    reads, e.g. of partitions another replica's group consumer handles); an envelope gone is decoded again."""

    def __init__(self, readers: Readers, limit: int = 5000) -> None:
        self.readers = readers
        self.limit = limit
        # an OrderedDict: the oldest goes in O(1), where `next(iter(dict))` walks the slots the other reader's pops
        # left at the front (5 % of the showcase's CPU while its follower ran ahead of its group consumer)
        self._kept: OrderedDict[tuple[str, int, int], Envelope | None] = OrderedDict()

    def __call__(self, record: Any) -> Envelope | None:
        key = (record.topic, record.partition, record.offset)
        if key in self._kept:
            return self._kept.pop(key)
        envelope = decode_record(record, self.readers)  # poison raises: each reader handles it its own way
        if len(self._kept) >= self.limit:
            self._kept.popitem(last=False)
        self._kept[key] = envelope
        return envelope


def summary(error: ValidationError) -> str:
    """A validation error as a dead letter's (or a refusal's) reason: its first five problems."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in error.errors()[:5])


def _validated(headers: Mapping[str, str], value: bytes | None, readers: Readers) -> BaseModel | None:
    """The common case in one step: a current type this reader reads, validated straight from the JSON bytes
    (pydantic's parser, no dict in between). None when anything is off; `decode` then finds out what."""
    ce_type = headers.get("ce_type")
    model = readers.get(ce_type) if ce_type not in UPCASTERS else None
    if (model is None or not value or headers.get("ce_specversion") != SPECVERSION
            or not (headers.get("ce_id") and headers.get("ce_source"))):
        return None
    try:
        return model.model_validate_json(value)
    except ValidationError:
        return None


def _parse(headers: Mapping[str, str], value: bytes | None) -> tuple[str, dict, str, str]:
    """(ce_type after upcasting, data, ce_id, ce_source), or PoisonEvent."""
    ce_type, ce_id, source = (headers.get(h) for h in ("ce_type", "ce_id", "ce_source"))
    if not (ce_type and ce_id and source) or headers.get("ce_specversion") != SPECVERSION:
        raise PoisonEvent("undecodable", "missing CloudEvents headers (ce_specversion 1.0, ce_id, ce_source, ce_type)")
    try:
        payload = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise PoisonEvent("undecodable", f"value is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise PoisonEvent("undecodable", "value is not a JSON object")
    while ce_type in UPCASTERS:
        ce_type, payload = UPCASTERS[ce_type](payload)
    if ce_type not in EVENT_TYPES:
        raise PoisonEvent("unknown-type", f"no event type {ce_type!r} in the contract")
    return ce_type, payload, ce_id, source


def _check_time(headers: Mapping[str, str]) -> datetime | None:
    time_text = headers.get("ce_time")
    try:
        return datetime.fromisoformat(time_text) if time_text else None
    except ValueError:
        raise PoisonEvent("undecodable", f"ce_time is not ISO 8601: {time_text!r}") from None

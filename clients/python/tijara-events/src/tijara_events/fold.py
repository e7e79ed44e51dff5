"""Newest state per aggregate: the fold every subscriber of the aggregate topics needs.

Each aggregate event carries `sequence` (the aggregate's version after it) and the aggregate's public state (the
supplier's whole state; a product's listing and status; an inquiry's status and what response figures need). Keep,
per aggregate id, the fields of the newest event by sequence merged over what you had: an older or repeated event
(at-least-once delivery, a replay) changes nothing, and gaps in the sequence are normal (changes that publish no
event still count a version). An event of a type this package does not know is NOT skipped: it is newer state, so
its fields are merged too and the aggregate is marked (`State.known` False) until you upgrade the package."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tijara_events.envelope import CloudEvent


@dataclass(frozen=True)
class State:
    id: str
    sequence: int
    type: str  # the type of the newest event applied
    known: bool  # False: the newest event's type is newer than this package; upgrade it and fold again
    fields: dict[str, Any]  # the aggregate's public state, JSON values (decimals and times as strings)
    event: CloudEvent  # the newest event itself (typed: `event.data`)

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def fields_of(event: CloudEvent) -> dict[str, Any]:
    """What the event says of its aggregate: the fields it carried (unknown ones too), and `status` (from 1.1.0
    on; implied by the type on older events, whose models default it)."""
    fields = event.data.model_dump(mode="json", exclude_unset=True)
    if "status" in type(event.data).model_fields:
        fields["status"] = event.data.model_dump(mode="json", include={"status"})["status"]
    return fields


class Fold:
    """`fold.apply(event)` for each decoded event (any order across aggregates; per aggregate the topic's order, but
    a repeat or an older event is harmless); `fold[id]` the aggregate's newest `State`."""

    def __init__(self, events: Iterable[CloudEvent] = ()) -> None:
        self.states: dict[str, State] = {}
        for event in events:
            self.apply(event)

    def apply(self, event: CloudEvent) -> bool:
        """True when the event was newer than what was held (and is now the state). Events without a sequence
        (partner messages) and without a subject are not aggregate events: False."""
        sequence, key = event.sequence, event.subject
        if sequence is None or not key:
            return False
        held = self.states.get(key)
        if held is not None and held.sequence >= sequence:
            return False
        fields = {**(held.fields if held else {}), **fields_of(event)}
        self.states[key] = State(key, sequence, event.type, event.known, fields, event)
        return True

    def __getitem__(self, key: str) -> State:
        return self.states[key]

    def __contains__(self, key: object) -> bool:
        return key in self.states

    def __iter__(self) -> Iterator[State]:
        return iter(self.states.values())

    def __len__(self) -> int:
        return len(self.states)

    def unknown(self) -> list[State]:
        """Aggregates whose newest event is of a type this package does not know: their state has that event's
        fields, but what the type means is not understood here. Upgrade the package and fold again."""
        return [s for s in self.states.values() if not s.known]


def fold_by_topic(events: Iterable[CloudEvent]) -> dict[str, Fold]:
    """One fold per topic (aggregate ids are unique per topic only)."""
    folds: dict[str, Fold] = {}
    for event in events:
        topic = event.topic or getattr(event.data, "TOPIC", "") or ""
        folds.setdefault(topic, Fold()).apply(event)
    return folds

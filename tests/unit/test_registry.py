"""The registry of event types is a literal table complete on its own: every message type defined in shared/contracts
is in it (a new one cannot be forgotten), and importing the registry alone yields it whole, with no other import
needed (a service can never dead-letter a valid event as an unknown type for want of an import)."""

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import shared.contracts
from shared.contracts.envelope import Message
from shared.contracts.registry import EVENT_TYPES, UPCASTERS


def _every_message_type() -> dict[str, type[Message]]:
    for module in pkgutil.iter_modules(shared.contracts.__path__):
        importlib.import_module(f"shared.contracts.{module.name}")
    found, todo = {}, list(Message.__subclasses__())
    while todo:
        model = todo.pop()
        todo += model.__subclasses__()
        if "TYPE" in model.__dict__ and model.__module__.startswith("shared.contracts."):
            found[model.TYPE] = model
    return found


def test_every_message_type_of_the_contract_is_in_the_table_under_its_own_type() -> None:
    assert EVENT_TYPES == _every_message_type()
    assert all(ce_type == model.TYPE for ce_type, model in EVENT_TYPES.items())
    assert list(EVENT_TYPES) == sorted(EVENT_TYPES)  # a reader scans it in order


def test_every_upcaster_turns_a_type_of_the_table_into_another_one() -> None:
    for ce_type, upcast in UPCASTERS.items():
        assert ce_type in EVENT_TYPES and upcast({})[0] in EVENT_TYPES


def test_importing_the_registry_alone_yields_the_whole_table() -> None:
    script = ("import json; from shared.contracts.registry import EVENT_TYPES, UPCASTERS; "
              "print(json.dumps([sorted(EVENT_TYPES), sorted(UPCASTERS)]))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert json.loads(out) == [sorted(_every_message_type()), sorted(UPCASTERS)]

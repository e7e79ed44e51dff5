"""tijara-events: read Tijara's marketplace events.

    from tijara_events import decode_record, Fold
    suppliers = Fold()
    for record in consumer:                      # aiokafka or confluent-kafka
        event = decode_record(record)            # Undecodable: log it, move on
        suppliers.apply(event)                   # newest state per supplier, by sequence

See docs/subscribing.md (install, decode, fold, figures) and docs/contract-changes.md (what changed, when).
"""

from tijara_events import inquiries, partners, privacy, products, suppliers  # noqa: F401  (register every type)
from tijara_events.base import TYPES, Actor, Event, Message, UnknownEvent
from tijara_events.envelope import SPECVERSION, UPCASTERS, CloudEvent, Undecodable, decode, decode_record
from tijara_events.fold import Fold, State, fold_by_topic
from tijara_events.open import Open, known

__version__ = "1.1.0"  # the contract version (docs/contract-changes.md)
CONTRACT_VERSION = __version__

__all__ = ["TYPES", "UPCASTERS", "SPECVERSION", "CONTRACT_VERSION", "Actor", "CloudEvent", "Event", "Fold",
           "Message", "Open", "State", "Undecodable", "UnknownEvent", "decode", "decode_record", "fold_by_topic",
           "known", "inquiries", "partners", "privacy", "products", "suppliers"]

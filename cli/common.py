"""What the operator commands share: connection settings from the environment, like the services.

Where the environment names no server, the commands look where `make run` puts them: the local ports shifted by
`TIJARA_STACK_PORT_OFFSET`, as the local stack does (one rule for every command, so none asks the wrong broker)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

from rich.console import Console

from shared.settings import ServiceSettings

T = TypeVar("T")
console = Console()


LOCAL_HTTP_PORTS = {"showcase": 8000, "onboarding": 8001, "catalogue": 8002, "inquiries": 8003, "partners": 8004,
                    "notifications": 8005}


def stack_offset() -> int:
    return int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))


def settings() -> ServiceSettings:
    """KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, TOPIC_PARTITIONS, MONGODB_URL ... as the services read them;
    unset servers default to the local stack's ports at its offset."""
    offset = stack_offset()
    local = {"kafka_bootstrap_servers": f"127.0.0.1:{9092 + offset}",
             "mongodb_url": f"mongodb://127.0.0.1:{27017 + offset}/"}
    named = {"kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS", "mongodb_url": "MONGODB_URL"}
    return ServiceSettings(**{field: value for field, value in local.items() if named[field] not in os.environ})


def local_service_urls() -> dict[str, str]:
    """Where `make run` serves each service (its HTTP ports shifted by the stack offset)."""
    return {name: f"http://127.0.0.1:{port + stack_offset()}" for name, port in LOCAL_HTTP_PORTS.items()}


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)

"""What the operator commands share: connection settings from the environment, like the services."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from rich.console import Console

from shared.settings import ServiceSettings

T = TypeVar("T")
console = Console()


def settings() -> ServiceSettings:
    """KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, TOPIC_PARTITIONS, MONGODB_URL ... as the services read them."""
    return ServiceSettings()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)

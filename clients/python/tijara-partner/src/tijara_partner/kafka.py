"""A partner's Kafka client (`pip install 'tijara-partner[kafka]'`): produce signed records to your input topic and
read your receipts from `partners.receipts.<partner id>`.

Broker settings (SASL, TLS) pass through to aiokafka, e.g. `security_protocol="SASL_SSL",
sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="amdie", sasl_plain_password=...`. The receipts are read
without a consumer group (partitions assigned, nothing committed), so the only ACL needed is Read on your receipts
topic; they are read from where the topic ends when the client starts (`receipts_from="earliest"` to re-read).
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tijara_partner.events import KAFKA_ROUTES, Receipt, receipts_topic
from tijara_partner.http import ReceiptTimeout
from tijara_partner.signing import PartnerKey, encode_event, signed_record_headers

KEEP_RECEIPTS = 10_000  # receipts remembered for wait_for_receipt, oldest dropped first


class KafkaPartner:
    """`async with KafkaPartner(key, "broker:9092") as partner: ce_id = await partner.send(ENDORSEMENT, {...})`."""

    def __init__(self, key: PartnerKey | str, bootstrap_servers: str, *, partner_id: str | None = None,
                 topic_prefix: str = "", receipts_from: Literal["latest", "earliest"] = "latest",
                 **broker_options: Any) -> None:
        self.key = key if isinstance(key, PartnerKey) else PartnerKey.parse(key)
        self.partner_id = partner_id or self.key.partner_id
        self.prefix = topic_prefix  # only for environments that prefix topic names (test stacks)
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=True,
                                          **broker_options)
        self._consumer = AIOKafkaConsumer(self.receipts_topic, bootstrap_servers=bootstrap_servers, group_id=None,
                                          auto_offset_reset=receipts_from, enable_auto_commit=False, **broker_options)
        self._receipts: OrderedDict[str, Receipt] = OrderedDict()
        self._arrived = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    @property
    def receipts_topic(self) -> str:
        return self.prefix + receipts_topic(self.partner_id)

    async def start(self) -> None:
        try:
            await self._producer.start()
            await self._consumer.start()
            for partition in await self._assigned():  # positions resolved now: a receipt made after start() is read
                await self._consumer.position(partition)
        except BaseException:
            await self.stop()
            raise
        self._reader = asyncio.create_task(self._read_receipts())

    async def send(self, ce_type: str, event: Mapping[str, Any], ce_id: str | None = None) -> str:
        """Sign and produce one event on its type's topic, keyed as the contract says; returns its `ce_id`."""
        topic, key_field = KAFKA_ROUTES[ce_type]
        value = encode_event(event)
        headers = signed_record_headers(self.key, ce_type, value, ce_id, self.partner_id)
        await self._producer.send_and_wait(self.prefix + topic, value, key=str(event[key_field]).encode(),
                                           headers=[(name, text.encode()) for name, text in headers.items()])
        return headers["ce_id"]

    async def wait_for_receipt(self, ce_id: str, timeout: float = 30.0) -> Receipt:
        """The receipt of event `ce_id` as it arrives on your receipts topic; ReceiptTimeout after `timeout` s."""
        async with self._arrived:
            try:
                await asyncio.wait_for(self._arrived.wait_for(lambda: ce_id in self._receipts), timeout)
            except TimeoutError:
                raise ReceiptTimeout(f"no receipt for {ce_id} on {self.receipts_topic} within {timeout}s") from None
            return self._receipts[ce_id]

    async def _read_receipts(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=500)
            records = [r for batch in batches.values() for r in batch if r.value]
            if not records:
                continue
            async with self._arrived:
                for record in records:
                    try:
                        receipt = Receipt.of(json.loads(record.value))
                    except (ValueError, TypeError, AttributeError):
                        continue  # not a receipt this version can read; the others still are
                    self._receipts[receipt.event_id] = receipt
                    self._receipts.move_to_end(receipt.event_id)
                while len(self._receipts) > KEEP_RECEIPTS:
                    self._receipts.popitem(last=False)
                self._arrived.notify_all()

    async def _assigned(self) -> set[TopicPartition]:
        for _ in range(100):  # without a group, the consumer takes every partition once it has the metadata
            if partitions := self._consumer.assignment():
                return partitions
            await asyncio.sleep(0.1)
        raise LookupError(f"no topic {self.receipts_topic}: is the partner registered, and may this principal "
                          "read it?")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self._consumer.stop()
        await self._producer.stop()

    async def __aenter__(self) -> KafkaPartner:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.stop()

"""How every Kafka client of the marketplace connects: the ONE place that turns the KAFKA_* security settings into
an SSL context (aiokafka's `create_ssl_context`), FastStream's security object (services' brokers, hence the outbox
relay and the subscribers) and plain aiokafka options (admin client, CLI, replay, ad-hoc consumers and producers).

Managed Kafka needs no code change, only env: MSK/Confluent Cloud/Aiven use SASL_SSL (or SSL with a client
certificate on Aiven/Strimzi mTLS); a public CA needs no KAFKA_SSL_CAFILE (the system store is used).
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiokafka.helpers import create_ssl_context

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


def servers(bootstrap: str) -> list[str]:
    """KAFKA_BOOTSTRAP_SERVERS as a list. aiokafka splits a comma-separated string itself, but FastStream wraps a
    string into a one-item list, so "b1:9092,b2:9092" (as MSK and Confluent Cloud hand it out) fails to resolve."""
    return [server.strip() for server in bootstrap.split(",") if server.strip()]


class KafkaSecurityError(ValueError):
    """A security setting that cannot work; the message names the env var to fix."""


@dataclass(frozen=True)
class KafkaSecurity:
    """The KAFKA_* security settings of one process (built by ServiceSettings.kafka_connection())."""

    protocol: Protocol = "PLAINTEXT"
    sasl_mechanism: Mechanism = "SCRAM-SHA-512"
    sasl_username: str = ""
    sasl_password: str = field(default="", repr=False)
    ssl_cafile: str = ""
    ssl_certfile: str = ""
    ssl_keyfile: str = ""
    ssl_key_password: str = field(default="", repr=False)
    ssl_check_hostname: bool = True

    @property
    def uses_ssl(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    def check(self) -> KafkaSecurity:
        """Refuse combinations that would only fail later, deep inside a client, with a sentence an operator acts on."""
        files = {"KAFKA_SSL_CAFILE": self.ssl_cafile, "KAFKA_SSL_CERTFILE": self.ssl_certfile,
                 "KAFKA_SSL_KEYFILE": self.ssl_keyfile}
        if not self.uses_ssl and any(files.values()):
            set_ = ", ".join(k for k, v in files.items() if v)
            raise KafkaSecurityError(f"{set_} given but KAFKA_SECURITY_PROTOCOL={self.protocol} does not use TLS; "
                                     "use SSL or SASL_SSL")
        if self.uses_sasl and not (self.sasl_username and self.sasl_password):
            raise KafkaSecurityError(f"KAFKA_SECURITY_PROTOCOL={self.protocol} needs KAFKA_SASL_USERNAME and "
                                     "KAFKA_SASL_PASSWORD")
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile) and not self._key_in_certfile():
            raise KafkaSecurityError("a client certificate (mTLS) needs both KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE "
                                     "(or one PEM file holding certificate and key)")
        for name, path in files.items():
            if path and not Path(path).is_file():
                raise KafkaSecurityError(f"{name}={path}: no such file")
        return self

    def _key_in_certfile(self) -> bool:
        return bool(self.ssl_certfile) and "PRIVATE KEY-----" in Path(self.ssl_certfile).read_text(errors="ignore")

    def ssl_context(self) -> ssl.SSLContext | None:
        return _ssl_context(self.check()) if self.uses_ssl else None

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for AIOKafkaConsumer/Producer/AdminClient."""
        self.check()
        if self.protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_ssl:
            options["ssl_context"] = self.ssl_context()
        if self.uses_sasl:
            options |= {"sasl_mechanism": self.sasl_mechanism, "sasl_plain_username": self.sasl_username,
                        "sasl_plain_password": self.sasl_password}
        return options

    def broker_security(self):  # -> faststream.security.BaseSecurity | None
        """The same, as FastStream's security object for KafkaBroker(security=...)."""
        self.check()
        if self.protocol == "PLAINTEXT":
            return None
        from faststream import security

        context = self.ssl_context()
        if not self.uses_sasl:
            return security.BaseSecurity(ssl_context=context, use_ssl=True)
        kind = {"SCRAM-SHA-512": security.SASLScram512, "SCRAM-SHA-256": security.SASLScram256,
                "PLAIN": security.SASLPlaintext}[self.sasl_mechanism]
        return kind(self.sasl_username, self.sasl_password, ssl_context=context, use_ssl=self.uses_ssl)


@functools.cache
def _ssl_context(security: KafkaSecurity) -> ssl.SSLContext:
    """Built once per process and setting set: loading a CA bundle and a key is file I/O and CPU work."""
    try:
        context = create_ssl_context(cafile=security.ssl_cafile or None, certfile=security.ssl_certfile or None,
                                     keyfile=security.ssl_keyfile or None,
                                     password=security.ssl_key_password or None)
    except ssl.SSLError as error:
        raise KafkaSecurityError(f"cannot load the Kafka TLS files (KAFKA_SSL_*): {error}") from error
    if not security.ssl_check_hostname:  # only for brokers reached by an address their certificate does not name
        context.check_hostname = False
    return context

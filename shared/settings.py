"""Service settings from the environment (12-factor). Each service subclasses with its own defaults."""

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Names are plain env vars (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URL, HTTP_PORT, ...), as in docker-compose."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    service_name: str = "tijara"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = ""
    mongodb_write_concern: str = ""  # "majority" on a replica set; "" = the server's default (w:1)
    mongodb_read_concern: str = ""  # "majority" with it, so reads never see a write a failover could roll back
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    outbox_poll_seconds: float = 2.0
    consumer_max_attempts: int = 5
    consumer_backoff_seconds: float = 0.2
    consumer_batch_size: int = 500
    topic_partitions: int = 3
    consumer_group_id: str = ""
    consumer_check_seconds: float = 5.0  # how often lag, stalled partitions and dead-letter depth are asked of Kafka
    consumer_stall_seconds: float = 60.0  # records waiting and no commit for this long: the partition is stalled
    kafka_topic_prefix: str = ""  # isolates environments sharing one cluster, e.g. "staging." or a test run's id
    # Kafka authentication: PLAINTEXT locally; SASL_PLAINTEXT (or SASL_SSL) with SCRAM-SHA-512 in docker-compose.
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = ""

    @property
    def database(self) -> str:
        return self.mongodb_database or f"tijara_{self.service_name}"

    def topic(self, name: str) -> str:
        return f"{self.kafka_topic_prefix}{name}"

    def kafka_client_options(self) -> dict:
        """aiokafka client options for the configured security (admin client, tools, ad-hoc consumers)."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return {}
        return {"security_protocol": self.kafka_security_protocol, "sasl_mechanism": self.kafka_sasl_mechanism,
                "sasl_plain_username": self.kafka_sasl_username, "sasl_plain_password": self.kafka_sasl_password}

    def kafka_security(self):  # -> faststream.security.BaseSecurity | None
        """The same, as FastStream's security object for the KafkaBroker."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return None
        from faststream import security

        use_ssl = self.kafka_security_protocol == "SASL_SSL"
        kind = {"SCRAM-SHA-512": security.SASLScram512, "SCRAM-SHA-256": security.SASLScram256,
                "PLAIN": security.SASLPlaintext}[self.kafka_sasl_mechanism]
        return kind(self.kafka_sasl_username, self.kafka_sasl_password, use_ssl=use_ssl)

    @property
    def consumer_group(self) -> str:
        return self.consumer_group_id or f"tijara.{self.service_name}"

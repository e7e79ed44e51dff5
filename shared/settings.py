"""Service settings from the environment (12-factor). Each service subclasses with its own defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.messaging.kafka_security import KafkaSecurity, Mechanism, Protocol


class ServiceSettings(BaseSettings):
    """Names are plain env vars (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URL, HTTP_PORT, ...), as in docker-compose."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    service_name: str = "tijara"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = ""
    mongodb_write_concern: str = ""  # "majority" on a replica set; "" = the server's default (w:1)
    mongodb_read_concern: str = ""  # "majority" with it, so reads never see a write a failover could roll back
    mongodb_server_selection_timeout_ms: int = Field(5000, gt=0)  # an operation waits this long for a usable server
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    outbox_poll_seconds: float = 2.0
    consumer_max_attempts: int = 5
    consumer_backoff_seconds: float = 0.2
    consumer_backoff_max_seconds: float = 30.0  # these three and the batch size: shared.messaging.consumer.ConsumerPolicy
    consumer_batch_size: int = 500
    # How long Kafka waits for a silent group member (a killed process) before handing its partitions to the others:
    # aiokafka's default; Kafka accepts 6000-1800000 (group.min/max.session.timeout.ms). Heartbeats every third of it.
    consumer_session_timeout_ms: int = Field(10_000, gt=0)
    topic_partitions: int = 3
    consumer_group_id: str = ""
    consumer_check_seconds: float = 5.0  # how often lag, stalled partitions and dead-letter depth are asked of Kafka
    consumer_stall_seconds: float = 60.0  # records waiting and no commit for this long: the partition is stalled
    # What /readyz requires. Readiness takes a pod out of its Service, so it should name only what the service needs
    # to answer HTTP: production lists less (deploy/k8s: the page none, the APIs mongodb), and Kafka and the store
    # are watched by tijara_dependency_up and its alert instead. The default keeps all three for local runs.
    readiness_checks: list[Literal["mongodb", "kafka", "partitions"]] = ["mongodb", "kafka", "partitions"]
    kafka_topic_prefix: str = ""  # isolates environments sharing one cluster, e.g. "staging." or a test run's id
    # Kafka security (shared/messaging/kafka_security.py builds the clients' TLS context and SASL options from these).
    kafka_security_protocol: Protocol = "PLAINTEXT"
    kafka_sasl_mechanism: Mechanism = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")  # SecretStr: never printed with the settings
    kafka_ssl_cafile: str = ""  # PEM bundle of the CA that signed the brokers; empty = the system's CAs
    kafka_ssl_certfile: str = ""  # client certificate (mTLS), PEM
    kafka_ssl_keyfile: str = ""  # its private key, PEM
    kafka_ssl_key_password: SecretStr = SecretStr("")
    kafka_ssl_check_hostname: bool = True
    # Topics: defaults right for a three-broker cluster; a single-broker stack sets 1 and 1 (deploy/local does).
    topic_replication_factor: int = Field(3, ge=1)
    topic_min_insync_replicas: int = Field(2, ge=1)


    # Identity: bearer JWTs from the operator's OIDC provider (locally, deploy/local/issuer.py started by `make run`).
    oidc_issuer: str = "http://127.0.0.1:8008"
    oidc_audience: str = "tijara"
    oidc_jwks_url: str = ""  # empty: from the issuer's discovery document, else <issuer>/jwks.json
    oidc_roles_claim: str = "roles"  # a dotted path: Keycloak puts realm roles under realm_access.roles
    oidc_organisation_claim: str = "organisation"  # supplier id, agency, inspection body or partner of the caller
    oidc_leeway_seconds: float = 30.0
    oidc_jwks_cache_seconds: float = 60.0  # a key the issuer stops publishing is refused at most this long after
    http_max_body_bytes: int = 256 * 1024
    # Personal data (shared/web/privacy.py): the key of the hashes that find a person again and of the pseudonyms of
    # staff on shared topics. One per deployment, kept like a password; the default is for local runs only.
    privacy_secret: SecretStr = SecretStr("tijara-local-privacy-secret")
    retention_check_seconds: float = 3600.0  # how often each service applies its retention periods

    @model_validator(mode="after")
    def _min_insync_within_replication(self) -> ServiceSettings:
        if self.topic_min_insync_replicas > self.topic_replication_factor:  # every acks=all write would be refused
            raise ValueError(f"TOPIC_MIN_INSYNC_REPLICAS={self.topic_min_insync_replicas} exceeds "
                             f"TOPIC_REPLICATION_FACTOR={self.topic_replication_factor}")
        return self

    @property
    def database(self) -> str:
        return self.mongodb_database or f"tijara_{self.service_name}"

    def topic(self, name: str) -> str:
        return f"{self.kafka_topic_prefix}{name}"

    def kafka_connection(self) -> KafkaSecurity:
        return KafkaSecurity(
            self.kafka_security_protocol, self.kafka_sasl_mechanism, self.kafka_sasl_username,
            self.kafka_sasl_password.get_secret_value(), self.kafka_ssl_cafile, self.kafka_ssl_certfile,
            self.kafka_ssl_keyfile, self.kafka_ssl_key_password.get_secret_value(), self.kafka_ssl_check_hostname)

    def kafka_client_options(self) -> dict:
        """aiokafka client options for the configured security (admin client, tools, ad-hoc consumers)."""
        return self.kafka_connection().client_options()

    def kafka_security(self):  # -> faststream.security.BaseSecurity | None
        """The same, as FastStream's security object for the KafkaBroker."""
        return self.kafka_connection().broker_security()

    @property
    def consumer_group(self) -> str:
        return self.consumer_group_id or f"tijara.{self.service_name}"

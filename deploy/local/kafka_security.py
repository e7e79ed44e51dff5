"""TLS and SASL listeners for the local broker, so the clients' security settings are tested against a real Kafka.

Next to its PLAINTEXT listener (what services use locally) the broker gets three more, all on 127.0.0.1:
  TLS   kafka_port+2  SSL, server certificate only              KAFKA_SECURITY_PROTOCOL=SSL + KAFKA_SSL_CAFILE
  MTLS  kafka_port+3  SSL, client certificate required (mTLS)   ... + KAFKA_SSL_CERTFILE + KAFKA_SSL_KEYFILE
  SASL  kafka_port+4  SASL_SSL with SCRAM-SHA-512/256 and PLAIN  KAFKA_SECURITY_PROTOCOL=SASL_SSL + user/password
A throw-away CA, the broker's and a client's certificate are made with openssl into the profile folder (PEM, which
Kafka reads directly: no keystore passwords); SCRAM users are written into the KRaft log by `format --add-scram`.
These are local development secrets, not production ones.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD = "tijara", "tijara-local-secret"
SCRAM = ("SCRAM-SHA-512", "SCRAM-SHA-256")


@dataclass(frozen=True)
class Listeners:
    host: str
    kafka_port: int
    tls_dir: Path

    @property
    def tls(self) -> str:
        return f"{self.host}:{self.kafka_port + 2}"

    @property
    def mtls(self) -> str:
        return f"{self.host}:{self.kafka_port + 3}"

    @property
    def sasl_ssl(self) -> str:
        return f"{self.host}:{self.kafka_port + 4}"

    def client_env(self, kind: str, mechanism: str = "SCRAM-SHA-512") -> dict[str, str]:
        """The KAFKA_* settings a client uses on listener `kind` (tls, mtls, sasl_ssl): what an operator would set."""
        ca = {"KAFKA_SSL_CAFILE": str(self.tls_dir / "ca.pem")}
        if kind == "tls":
            return {"KAFKA_BOOTSTRAP_SERVERS": self.tls, "KAFKA_SECURITY_PROTOCOL": "SSL", **ca}
        if kind == "mtls":
            return {"KAFKA_BOOTSTRAP_SERVERS": self.mtls, "KAFKA_SECURITY_PROTOCOL": "SSL", **ca,
                    "KAFKA_SSL_CERTFILE": str(self.tls_dir / "client.crt"),
                    "KAFKA_SSL_KEYFILE": str(self.tls_dir / "client.key")}
        if kind == "sasl_ssl":
            return {"KAFKA_BOOTSTRAP_SERVERS": self.sasl_ssl, "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", **ca,
                    "KAFKA_SASL_MECHANISM": mechanism, "KAFKA_SASL_USERNAME": USER, "KAFKA_SASL_PASSWORD": PASSWORD}
        raise ValueError(f"unknown listener {kind!r}: tls, mtls or sasl_ssl")


def listeners(host: str, kafka_port: int, profile_dir: Path) -> Listeners:
    return Listeners(host, kafka_port, profile_dir / "tls")


def broker_properties(ls: Listeners, controller_port: int) -> str:
    """Appended to server.properties: later keys win, so `listeners` and the protocol map are restated whole."""
    make_certificates(ls.tls_dir)
    d, h, p = ls.tls_dir, ls.host, ls.kafka_port
    return f"""
# --- TLS and SASL listeners (deploy/local/kafka_security.py) ---
listeners=PLAINTEXT://{h}:{p},CONTROLLER://{h}:{controller_port},TLS://{ls.tls},MTLS://{ls.mtls},SASL://{ls.sasl_ssl}
advertised.listeners=PLAINTEXT://{h}:{p},TLS://{ls.tls},MTLS://{ls.mtls},SASL://{ls.sasl_ssl}
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,TLS:SSL,MTLS:SSL,SASL:SASL_SSL
ssl.keystore.type=PEM
ssl.keystore.location={d / 'broker.pem'}
ssl.truststore.type=PEM
ssl.truststore.location={d / 'ca.pem'}
listener.name.mtls.ssl.client.auth=required
listener.name.sasl.sasl.enabled.mechanisms={','.join(SCRAM)},PLAIN
listener.name.sasl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \
user_{USER}="{PASSWORD}";
"""


def scram_format_arguments() -> list[str]:
    """`kafka-storage format` arguments that store the SCRAM credentials in the new cluster's metadata log."""
    args = []
    for mechanism in SCRAM:
        args += ["--add-scram", f"{mechanism}=[name={USER},password={PASSWORD}]"]
    return args


def make_certificates(folder: Path) -> None:
    """CA, broker certificate (SAN 127.0.0.1 and localhost, so clients verify the host name) and a client
    certificate for mTLS. Extensions spelled out: Python's default context checks X.509 strictly."""
    if (folder / "broker.pem").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    _openssl(folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-keyout", "ca.key",
             "-out", "ca.pem", "-subj", "/CN=tijara-local-ca",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    _leaf(folder, "broker", "localhost", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost")
    _leaf(folder, "client", USER, "clientAuth")
    (folder / "broker.pem").write_text((folder / "broker.key").read_text() + (folder / "broker.crt").read_text())


def _leaf(folder: Path, name: str, common_name: str, usage: str, *extra: str) -> None:
    extensions = folder / f"{name}.ext"
    extensions.write_text("\n".join(["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
                                     f"extendedKeyUsage={usage}", "subjectKeyIdentifier=hash",
                                     "authorityKeyIdentifier=keyid,issuer", *extra]) + "\n")
    _openssl(folder, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", f"/CN={common_name}")
    _openssl(folder, "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "30", "-out", f"{name}.crt", "-extfile", extensions.name)


def _openssl(folder: Path, *args: str) -> None:
    done = subprocess.run(["openssl", *args], cwd=folder, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.strip()}")

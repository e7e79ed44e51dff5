"""The compose Kafka security reproduced locally: a broker of its own whose SASL listener authorizes with ACLs, and
deploy/kafka/init-security.sh (the very script compose runs) creating the users and ACLs on it.

The shared test broker (deploy/local/stack.py) has SASL listeners but no authorizer; turning one on there would
change every test's broker. This one is separate (profile `acl`, ports 19400-19404 + TIJARA_STACK_PORT_OFFSET,
fresh data on each start) and configured as compose's: StandardAuthorizer, allow.everyone.if.no.acl.found=false,
super users `tijara` (the operators' tools) and ANONYMOUS (its own PLAINTEXT and controller listeners, local only).
init-security.sh runs with KAFKA_BIN pointing at wrappers of Kafka's Java tools (kafka-tools from Maven Central,
cached under .stack/kafka-tools) and KAFKA_ADMIN_CONFIG at a SASL_SSL client config of `tijara`.

    python -m deploy.local.kafka_acls up     # prints the SASL bootstrap and the CA file
    python -m deploy.local.kafka_acls down
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import typer

from deploy.local import kafka_security, stack

TOOLS_LIB = stack.HOME / "kafka-tools" / "lib"
SCRIPT = stack.ROOT / "deploy" / "kafka" / "init-security.sh"
AUTHORIZER = """
# --- ACLs as compose enforces them (deploy/local/kafka_acls.py) ---
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:ANONYMOUS;User:tijara
"""
TOOLS = {"kafka-acls.sh": "org.apache.kafka.tools.AclCommand", "kafka-configs.sh": "kafka.admin.ConfigCommand"}
cli = typer.Typer(help="A local Kafka broker with compose's ACLs, for the authorization tests.", no_args_is_help=True)


def profile() -> stack.Profile:
    offset = int(os.environ.get("TIJARA_STACK_PORT_OFFSET", "0"))
    return stack.Profile("acl", 19400 + offset, 19401 + offset, 0, keep_data=False)


def listeners(p: stack.Profile) -> kafka_security.Listeners:
    return kafka_security.listeners("127.0.0.1", p.kafka_port, p.dir)


def provision_tools() -> None:
    if TOOLS_LIB.is_dir() and any(TOOLS_LIB.glob("kafka-tools-*.jar")):
        return
    TOOLS_LIB.parent.mkdir(parents=True, exist_ok=True)
    stack._run(["mvn", "-q", "-B", "-f", str(stack.HERE / "kafka-tools-pom.xml"), "dependency:copy-dependencies",
                f"-DoutputDirectory={TOOLS_LIB}", "-DincludeScope=runtime"],
               "Fetching Apache Kafka's tools from Maven Central")


def _java(heap: str = "256m") -> list[str]:
    return ["java", f"-Xmx{heap}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            f"-Dlog4j2.configurationFile={stack.HERE / 'log4j2.properties'}"]


def up(timeout: float = 120.0) -> stack.Profile:
    """Format (fresh) and start the broker; wait until its SASL listener answers."""
    p = profile()
    stack.provision_kafka()
    provision_tools()
    if not stack.running(p, "kafka"):
        shutil.rmtree(p.dir, ignore_errors=True)
        p.dir.mkdir(parents=True)
        template = (stack.HERE / "server.properties.template").read_text()
        config = p.dir / "server.properties"
        config.write_text(template.format(port=p.kafka_port, controller_port=p.controller_port,
                                          data=p.dir / "kafka-data")
                          + kafka_security.broker_properties(listeners(p), p.controller_port) + AUTHORIZER)
        classpath = ["-cp", f"{stack.KAFKA_LIB}/*"]
        subprocess.run([*_java(), *classpath, "kafka.tools.StorageTool", "format", "--standalone", "-t",
                        uuid.uuid4().hex[:22], "-c", str(config), *kafka_security.scram_format_arguments()],
                       check=True, capture_output=True)
        stack._spawn(p, "kafka", [*_java("512m"), *classpath, "kafka.Kafka", str(config)])
    _wait(p, timeout)
    return p


def _wait(p: stack.Profile, timeout: float) -> None:
    import asyncio
    import logging

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    deadline = time.monotonic() + timeout
    while not asyncio.run(stack._kafka_answers(p)):
        if not stack.running(p, "kafka"):
            raise RuntimeError(f"the ACL broker exited; see {p.dir / 'kafka.log'}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the ACL broker did not answer in {timeout:.0f}s; see {p.dir / 'kafka.log'}")
        time.sleep(0.5)


def down() -> None:
    stack.stop_server(profile(), "kafka")


def admin_config(p: stack.Profile) -> Path:
    """The tools' client settings: the operators' super user over SASL_SSL, trusting the local CA."""
    path = p.dir / "admin.properties"
    path.write_text(f"""security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
username="{kafka_security.USER}" password="{kafka_security.PASSWORD}";
ssl.truststore.type=PEM
ssl.truststore.location={listeners(p).tls_dir / 'ca.pem'}
""")
    return path


def tool_wrappers(p: stack.Profile) -> Path:
    """kafka-acls.sh and kafka-configs.sh as /opt/kafka/bin has them, running the tools from Maven Central."""
    folder = p.dir / "bin"
    folder.mkdir(exist_ok=True)
    for name, main in TOOLS.items():
        java = " ".join(_java("128m"))
        (folder / name).write_text(f'#!/usr/bin/env bash\nexec {java} -cp "{TOOLS_LIB}/*:{stack.KAFKA_LIB}/*" '
                                   f'{main} "$@"\n')
        (folder / name).chmod(0o755)
    return folder


def init_security(p: stack.Profile, prefix: str = "", *args: str,
                  passwords: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run deploy/kafka/init-security.sh (all principals, or `args`: `partner <id> <topic>` ...) on this broker."""
    env = {**os.environ, "KAFKA_BOOTSTRAP": listeners(p).sasl_ssl, "KAFKA_BIN": str(tool_wrappers(p)),
           "KAFKA_ADMIN_CONFIG": str(admin_config(p)), "KAFKA_ADMIN_PASSWORD": "unused-with-KAFKA_ADMIN_CONFIG",
           "KAFKA_SERVICES_PASSWORD": kafka_security.PASSWORD, "KAFKA_TOPIC_PREFIX": prefix, **(passwords or {})}
    return subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, check=True)


@cli.command("up")
def up_command() -> None:
    p = up()
    print(f"KAFKA_BOOTSTRAP_SERVERS={listeners(p).sasl_ssl}\nKAFKA_SSL_CAFILE={listeners(p).tls_dir / 'ca.pem'}")


@cli.command("down")
def down_command() -> None:
    down()


if __name__ == "__main__":
    cli()

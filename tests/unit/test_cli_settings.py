"""Operator commands find the local stack at its port offset unless the environment names the servers."""

from cli.common import local_service_urls, settings


def test_commands_follow_the_stack_offset(monkeypatch):
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("MONGODB_URL", raising=False)
    monkeypatch.setenv("TIJARA_STACK_PORT_OFFSET", "4000")
    assert settings().kafka_bootstrap_servers == "127.0.0.1:13092"
    assert settings().mongodb_url == "mongodb://127.0.0.1:31017/"
    assert local_service_urls()["showcase"] == "http://127.0.0.1:12000"


def test_the_environment_names_the_servers(monkeypatch):
    monkeypatch.setenv("TIJARA_STACK_PORT_OFFSET", "4000")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9092")
    assert settings().kafka_bootstrap_servers == "kafka.example:9092"

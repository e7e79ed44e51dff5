"""Write and read concern and the server selection timeout from settings, as a replica set in production needs them."""

from shared.settings import ServiceSettings
from shared.storage.mongo import connect


def test_concerns_come_from_the_settings_and_win_over_the_url(monkeypatch):
    monkeypatch.setenv("MONGODB_WRITE_CONCERN", "majority")
    monkeypatch.setenv("MONGODB_READ_CONCERN", "majority")
    settings = ServiceSettings(mongodb_url="mongodb://db-0,db-1,db-2/?replicaSet=rs0&w=1&tls=true")
    client = connect(settings.mongodb_url, settings.mongodb_write_concern, settings.mongodb_read_concern)
    assert client.write_concern.document == {"w": "majority"} and client.read_concern.level == "majority"
    assert client.options.pool_options._ssl_context is not None  # TLS through the URL


def test_a_number_of_members_and_the_server_default():
    assert connect("mongodb://127.0.0.1:1/", "2").write_concern.document == {"w": 2}
    default = connect("mongodb://127.0.0.1:1/")
    assert default.write_concern.document == {} and default.read_concern.level is None


def test_the_server_selection_timeout_comes_from_the_settings():
    assert ServiceSettings().mongodb_server_selection_timeout_ms == 5000
    settings = ServiceSettings(mongodb_server_selection_timeout_ms=1500)
    client = connect(settings.mongodb_url, server_selection_timeout_ms=settings.mongodb_server_selection_timeout_ms)
    assert client.options.server_selection_timeout == 1.5

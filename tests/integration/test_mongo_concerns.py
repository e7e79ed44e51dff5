"""A service configured for a replica set (majority write and read concern) works against the real store."""

from services.onboarding.main import Settings, build
from tests.integration.helpers import serving
from tests.integration.test_onboarding import application


async def test_majority_write_and_read_concern_on_the_real_store(settings_for, issuer):
    settings = settings_for(Settings).model_copy(update={"mongodb_write_concern": "majority",
                                                          "mongodb_read_concern": "majority"})
    app = build(settings)
    assert app.state.runtime.client.write_concern.document == {"w": "majority"}
    assert app.state.runtime.client.read_concern.level == "majority"
    async with serving(app) as http:
        created = await http.post("/suppliers", json=application(), headers=issuer.auth("partner:clementia"))
        assert created.status_code == 201, created.text
        fetched = await http.get(f"/suppliers/{created.json()['supplier_id']}", headers=issuer.auth("staff"))
        assert fetched.status_code == 200 and fetched.json()["status"] == "submitted"

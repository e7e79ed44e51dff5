"""Readiness names only what READINESS_CHECKS lists (production: what answering HTTP needs), while every process
keeps reporting Kafka and the store in tijara_dependency_up, whatever its readiness requires."""

from __future__ import annotations

from prometheus_client import REGISTRY

from services.catalogue.main import Settings as CatalogueSettings
from services.catalogue.main import build as build_catalogue
from services.showcase.main import Settings as ShowcaseSettings
from services.showcase.main import build as build_showcase
from tests.integration.helpers import eventually, serving


async def test_the_page_is_ready_on_nothing_and_an_api_on_its_store(settings_for):
    page = settings_for(ShowcaseSettings).model_copy(update={"readiness_checks": []})
    async with serving(build_showcase(page)) as http:
        answer = await http.get("/readyz")
        assert answer.status_code == 200 and answer.json() == {"ready": True, "checks": {}}
    api = settings_for(CatalogueSettings).model_copy(update={"readiness_checks": ["mongodb"],
                                                             "consumer_check_seconds": 0.3})
    async with serving(build_catalogue(api)) as http:
        answer = await http.get("/readyz")
        assert answer.status_code == 200 and answer.json() == {"ready": True, "checks": {"mongodb": True}}

        async def both_watched():
            for dependency in ("mongodb", "kafka"):
                assert REGISTRY.get_sample_value("tijara_dependency_up", {"dependency": dependency}) == 1

        await eventually(both_watched, timeout=30)

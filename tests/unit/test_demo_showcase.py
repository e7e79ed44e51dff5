"""Demo material lives with the demo: the product's showcase serves no demo pictures; the local marketplace's
showcase (deploy/local/demo_showcase.py, what `make run` starts) adds them, and is the product's app otherwise."""

import httpx

from deploy.local import demo_showcase
from deploy.local.marketplace import ENTRY_POINTS
from services.showcase.main import build


async def _get(app, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://showcase") as client:
        return await client.get(path)


async def test_only_the_local_demo_showcase_serves_the_demo_pictures() -> None:
    assert (await _get(build(), "/media/demo/argan-oil.svg")).status_code == 404
    picture = await _get(demo_showcase.build(), "/media/demo/argan-oil.svg")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/svg+xml"
    assert b"argan oil" in picture.content
    assert ENTRY_POINTS["showcase"] == demo_showcase.__name__  # what the local marketplace starts

"""The showcase as the local marketplace runs it (`make run`, the e2e and fault tests): the product's app
(services/showcase/main.py) plus the demo's product pictures, `python -m deploy.local.demo_showcase`.

The demo's listings (deploy/local/demo.py, `DEMO_PICTURES`) point their pictures at `/media/demo/<name>.svg` on the
showcase, because the no-Docker stack has no other host a visitor's browser reaches. A deployed showcase has no such
route: a listing's pictures are the supplier's own URLs, or the showcase's placeholder when it has none."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response

from services.showcase import main as showcase
from services.showcase.pages import media
from shared.web.runtime import serve

router = APIRouter()


@router.get("/media/demo/{name}.svg", response_class=Response, include_in_schema=False)
async def demo_picture(name: str) -> Response:
    """A picture drawn from whatever name the URL carries (the placeholder's drawing); nothing on the page depends
    on it."""
    return Response(media.picture(name.replace("-", " ")[:40], name), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400, immutable"})


def build(settings: showcase.Settings | None = None) -> FastAPI:
    app = showcase.build(settings)
    app.include_router(router)
    return app


if __name__ == "__main__":
    settings = showcase.Settings()
    serve(build(settings), settings)

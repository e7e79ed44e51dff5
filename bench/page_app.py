"""The showcase app as `python -m services.showcase` runs it, plus the benchmark's limit: a FastAPI hello endpoint
on the same app and uvicorn server (bench/page.py starts this instead of the plain service)."""

from services.showcase.main import Settings, build
from shared.runtime import serve


def main() -> None:
    settings = Settings()
    app = build(settings)

    @app.get("/bench/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    serve(app, settings)


if __name__ == "__main__":
    main()

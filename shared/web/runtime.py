"""What every service process shares: the FastAPI app with its lifespan (topics, indexes, broker, outbox relay),
health and readiness, Prometheus metrics, the AsyncAPI document, and uvicorn with graceful shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.kafka import KafkaBroker
from prometheus_client import make_asgi_app
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import actors, asyncapi
from shared.errors import MarketplaceError
from shared.messaging.progress import ConsumerProgress
from shared.messaging.relay import OutboxRelay, make_broker
from shared.messaging.topics import ensure_topics, topics_for
from shared.settings import ServiceSettings
from shared.storage.mongo import connect, ping
from shared.telemetry.logs import setup_logging
from shared.telemetry.metrics import DEPENDENCY_UP
from shared.telemetry.tracing import FASTAPI_NATIVE_OFF, instrument_http, setup_tracing
from shared.web import http_errors
from shared.web.access_log import AccessMiddleware
from shared.web.body_guard import StorableBodyGuard
from shared.web.identity import TokenVerifier

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The connections of one service process, created once in its composition root."""

    settings: ServiceSettings
    broker: KafkaBroker
    client: AsyncMongoClient
    db: AsyncDatabase
    relay: OutboxRelay | None = None
    on_start: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)  # periodic jobs, cancelled at stop
    publishes: list[StrEnum] = field(default_factory=list)  # topics this service publishes (for AsyncAPI)
    progress: ConsumerProgress | None = None  # lag, stalled partitions, dead-letter depth of this process's groups

    @classmethod
    def create(cls, settings: ServiceSettings) -> Runtime:
        setup_logging(settings.service_name, settings.log_level, settings.log_format)
        setup_tracing(settings.service_name)
        actors.use_pseudonym_key(settings.privacy_secret.get_secret_value())  # people on events (shared.contracts.actors)
        client = connect(settings.mongodb_url, settings.mongodb_write_concern, settings.mongodb_read_concern,
                     settings.mongodb_server_selection_timeout_ms)
        broker = make_broker(settings.kafka_bootstrap_servers, f"tijara-{settings.service_name}",
                             settings.kafka_security())
        progress = ConsumerProgress(broker, settings.kafka_bootstrap_servers, settings.consumer_stall_seconds,
                                    settings.kafka_client_options())
        return cls(settings, broker, client, client[settings.database], progress=progress)


def create_app(runtime: Runtime, routers: Sequence[APIRouter], description: str,
               error_statuses: Mapping[type[MarketplaceError], int] | None = None) -> FastAPI:
    """`error_statuses`: statuses of domain errors that differ from shared.web.http_errors.STATUSES (usually none)."""
    settings = runtime.settings

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ensure_topics(settings.kafka_bootstrap_servers, topics_for(settings), **settings.kafka_client_options())
        for hook in runtime.on_start:
            await hook()
        await runtime.broker.start()
        settle_heap()
        relay_task = asyncio.create_task(runtime.relay.run()) if runtime.relay else None
        jobs = [asyncio.create_task(job()) for job in runtime.background]
        if runtime.progress:
            jobs.append(asyncio.create_task(runtime.progress.run(settings.consumer_check_seconds)))
        jobs.append(asyncio.create_task(_watch_dependencies(runtime, settings.consumer_check_seconds)))
        log.info("%s ready on http://%s:%d", settings.service_name, settings.http_host, settings.http_port)
        yield
        log.info("%s shutting down", settings.service_name)
        await _cancel(jobs)
        if relay_task:  # whatever it cannot send in time stays in the outbox for the next start
            runtime.relay.stop()
            try:
                await asyncio.wait_for(relay_task, timeout=RELAY_DRAIN_SECONDS)
            except TimeoutError:
                log.warning("outbox relay did not finish in %ds; pending events stay in the outbox",
                            RELAY_DRAIN_SECONDS)
        await runtime.broker.stop()  # subscribers stop; an uncommitted batch is redelivered, idempotently
        for hook in runtime.on_stop:
            await hook()
        await runtime.client.close()

    app = FastAPI(title=f"Tijara {settings.service_name}", description=description, lifespan=lifespan,
                  telemetry=FASTAPI_NATIVE_OFF)  # one HTTP span and one set of HTTP metrics: ours
    app.state.runtime = runtime
    app.state.verifier = TokenVerifier.from_settings(settings)
    _declare_for_asyncapi(runtime)
    routers = [*routers, _operations_router(runtime)]
    http_errors.declare_common(routers)
    for router in routers:
        app.include_router(router)
    app.mount("/metrics", make_asgi_app())
    app.add_middleware(StorableBodyGuard)  # a 422 for values the store cannot hold, before any use case runs
    http_errors.install(app, error_statuses or {}, settings.http_max_body_bytes)  # its body limit wraps the guard
    app.add_middleware(AccessMiddleware, service=settings.service_name)
    instrument_http(app)  # after: its server span is current when the access line is written
    return app


# The worst-case drain after SIGTERM, each bound enforced below; deploy/k8s sizes terminationGracePeriodSeconds from
# their sum plus the preStop sleep (tests/contract/test_k8s.py checks it).
REQUEST_DRAIN_SECONDS = 10  # uvicorn finishes requests in flight
JOB_CANCEL_ATTEMPTS, JOB_CANCEL_WAIT_SECONDS = 5, 1.0  # background jobs asked to stop
RELAY_DRAIN_SECONDS = 10  # the outbox relay's last round; what it cannot send stays in the outbox

GC_YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)


def settle_heap() -> None:
    """What start-up loaded (modules, settings, a read model) lives as long as the process: moved out of the cyclic
    collector's reach (gc.freeze, as Instagram does), so full collections stop walking it. And young collections
    spaced out: a consumed batch allocates a few hundred thousand short-lived objects, nearly all freed by reference
    counting, which the default threshold would still trace hundreds of times a batch."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


async def _cancel(jobs: list[asyncio.Task], attempts: int = JOB_CANCEL_ATTEMPTS) -> None:
    """Cancel background jobs and wait for them, asking again if one carries on: PyMongo's async client can swallow
    a CancelledError that lands while it sets up a connection (the operation then completes normally), and a job
    loop would go on to its next sleep instead of stopping."""
    pending = set(jobs)
    for _ in range(attempts):
        if not pending:
            return
        for job in pending:
            job.cancel()
        _, pending = await asyncio.wait(pending, timeout=JOB_CANCEL_WAIT_SECONDS)
    if pending:
        log.warning("%d background job(s) ignored cancellation; leaving them", len(pending))


def _declare_for_asyncapi(runtime: Runtime) -> None:
    """Publishers for the AsyncAPI document: the topics the service publishes, and the dead-letter topics of the
    topics it consumes (EventConsumer publishes there)."""
    prefix = runtime.settings.kafka_topic_prefix
    consumed = sorted({t.name for s in runtime.broker.subscribers for t in getattr(s, "topics", [])})
    asyncapi.declare_publishers(runtime.broker, runtime.publishes, prefix)
    asyncapi.dead_letter_publishers(runtime.broker, [t.removeprefix(prefix) for t in consumed], prefix)


def _operations_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "service": runtime.settings.service_name}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        """Only the checks READINESS_CHECKS names (what this deployment needs to answer HTTP)."""
        required = runtime.settings.readiness_checks
        checks = {name: await _answers(_dependency(runtime, name)) for name in ("mongodb", "kafka") if name in required}
        stalled = runtime.progress.stalled if runtime.progress else []
        if "partitions" in required:
            checks["partitions"] = not stalled
        ready = all(checks.values())
        body = {"ready": ready, "checks": checks} | ({"stalled_partitions": stalled} if stalled else {})
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/asyncapi.json")
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(asyncapi.document(runtime))

    @router.get("/asyncapi", response_class=HTMLResponse)
    async def asyncapi_html() -> str:
        return asyncapi.html(asyncapi.document(runtime))

    return router


def _dependency(runtime: Runtime, name: str) -> Awaitable[object]:
    return ping(runtime.db) if name == "mongodb" else runtime.broker.ping(2.0)


async def _watch_dependencies(runtime: Runtime, every_seconds: float) -> None:
    """tijara_dependency_up per dependency, whatever readiness requires: the alert on it (TijaraDependencyDown)
    is how an outage of Kafka or the store is seen when the pods keep serving."""
    while True:
        for name in ("mongodb", "kafka"):
            DEPENDENCY_UP.labels(name).set(1 if await _answers(_dependency(runtime, name)) else 0)
        await asyncio.sleep(every_seconds)


async def _answers(check: Awaitable[object]) -> bool:
    try:
        result = await asyncio.wait_for(check, timeout=3.0)
    except Exception:
        return False
    return result is not False



async def every(seconds: float, *jobs: Callable[[], Awaitable[object]]) -> None:
    """A background job (`Runtime.background`): `jobs` one after another, then a pause of `seconds`, for ever. A
    failed job is logged and tried again on the next tick. Several replicas may run the same jobs at once: each must
    be idempotent (a versioned write, a derived key)."""
    while True:
        for job in jobs:
            try:
                await job()
            except Exception:
                log.exception("%s failed; retrying on the next tick", getattr(job, "__name__", job))
            task = asyncio.current_task()
            if task is not None and task.cancelling():  # PyMongo may have swallowed our cancellation
                raise asyncio.CancelledError
        await asyncio.sleep(seconds)

def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """uvicorn turns SIGTERM/SIGINT into a graceful shutdown: stop accepting, finish requests, run the lifespan exit."""
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level=settings.log_level.lower(),
                timeout_graceful_shutdown=REQUEST_DRAIN_SECONDS, access_log=False,  # shared.web.access_log logs each request, with its route
                log_config=None)  # uvicorn's own lines go through our handler: JSON too with LOG_FORMAT=json

"""`create_service_app`: the FastAPI app each service builds, with the edge they all share."""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from moodtune_service_kit.errors import install_error_handlers
from moodtune_service_kit.health import Readiness, health_router
from moodtune_service_kit.logs import configure_logging
from moodtune_service_kit.metrics import Metrics
from moodtune_service_kit.middleware import BodyLimitMiddleware, EdgeMiddleware, keep_uploads_in_memory


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    log_level: str,
    metrics: Metrics,
    readiness: Callable[[Request], Awaitable[Readiness]],
    routers: Sequence[APIRouter],
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    max_body_bytes: int | None = None,
    **fastapi_args: Any,
) -> FastAPI:
    """The app with logging, the error shape, `/healthz` `/readyz` `/metrics`, the routers, an
    optional body limit (uploads then stay in memory up to it) and request ids + metrics outermost."""

    @asynccontextmanager
    async def service_lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(log_level)
        if lifespan is None:
            yield
            return
        async with lifespan(app):
            yield

    app = FastAPI(
        title=title, version="0.1.0", description=description, lifespan=service_lifespan, **fastapi_args
    )
    install_error_handlers(app)
    app.include_router(health_router(service=service, readiness=readiness, metrics=metrics))
    for router in routers:
        app.include_router(router)
    if max_body_bytes is not None:
        keep_uploads_in_memory(max_body_bytes)
        app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(EdgeMiddleware, metrics=metrics)  # outermost: ids and metrics for every answer
    return app

"""`create_service_app`: the FastAPI app each service builds, with the edge they all share."""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from moodtune_service_kit.admission import Admission, AdmissionMiddleware
from moodtune_service_kit.docs import install_offline_docs
from moodtune_service_kit.errors import install_error_handlers
from moodtune_service_kit.health import Readiness, health_router
from moodtune_service_kit.logs import configure_logging
from moodtune_service_kit.metrics import Metrics
from moodtune_service_kit.middleware import BodyLimitMiddleware, EdgeMiddleware, keep_uploads_in_memory
from moodtune_service_kit.openapi import finish_openapi
from moodtune_service_kit.security import SecurityHeaders


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
    max_body_bytes: int = 1024 * 1024,
    body_timeout_s: float = 30.0,
    page_connect_sources: Sequence[str] = (),
    admission: Admission | None = None,
    admission_paths: Sequence[str] = (),
    binary_uploads: bool = False,
    **fastapi_args: Any,
) -> FastAPI:
    """The app with logging, the error shape, offline `/docs` and `/redoc`, `/healthz` `/readyz`
    `/metrics`, the routers, the body limit and read timeout (uploads stay in memory up to the
    limit), bounded queueing for `admission_paths` if an `admission` is given, and outermost the
    edge: request ids, security headers, metrics, the last word on failures. Its OpenAPI spec
    documents the 400 for a malformed body; `binary_uploads` types file uploads as bytes for client
    generators. `fastapi_args` go to FastAPI itself (`summary`, `servers`, `openapi_tags`, ...)."""

    @asynccontextmanager
    async def service_lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(log_level)
        if lifespan is None:
            yield
            return
        async with lifespan(app):
            yield

    app = FastAPI(
        title=title,
        version="0.1.0",
        description=description,
        lifespan=service_lifespan,
        docs_url=None,
        redoc_url=None,
        **fastapi_args,
    )
    install_offline_docs(app)
    install_error_handlers(app)
    app.include_router(health_router(service=service, readiness=readiness, metrics=metrics))
    for router in routers:
        app.include_router(router)
    keep_uploads_in_memory(max_body_bytes)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes, read_timeout_s=body_timeout_s)
    if admission is not None:  # inside the edge: a refusal has its request id and is counted
        app.add_middleware(AdmissionMiddleware, admission=admission, paths=frozenset(admission_paths))
    # Outermost: ids, security headers and metrics for every answer.
    app.add_middleware(EdgeMiddleware, metrics=metrics, security=SecurityHeaders(page_connect_sources))
    finish_openapi(app, binary_uploads=binary_uploads)
    return app

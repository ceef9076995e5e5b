"""The gateway app: `create_app(settings)`; one pooled HTTP client per upstream, made in the lifespan."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request

from gateway.api import playlists, recommend, web
from gateway.api.deps import Upstreams
from gateway.openapi import fix_upload_schemas
from gateway.settings import Settings
from gateway.upstream import Upstream
from moodtune_contracts.service import (
    BodyLimitMiddleware,
    EdgeMiddleware,
    Metrics,
    Readiness,
    configure_logging,
    health_router,
    install_error_handlers,
    keep_uploads_in_memory,
)

SERVICE = "gateway"
log = logging.getLogger(SERVICE)
MULTIPART_OVERHEAD = 64 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics(SERVICE)
    max_request = settings.max_upload_bytes + MULTIPART_OVERHEAD
    keep_uploads_in_memory(max_request)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level)
        upstreams = Upstreams(
            emotion=Upstream(
                name="emotion-service",
                base_url=settings.emotion_url,
                timeout_s=settings.emotion_timeout_s,
                connect_timeout_s=settings.connect_timeout_s,
            ),
            recommender=Upstream(
                name="recommender-service",
                base_url=settings.recommender_url,
                timeout_s=settings.recommender_timeout_s,
                connect_timeout_s=settings.connect_timeout_s,
            ),
        )
        app.state.upstreams = upstreams
        log.info("gateway up: emotion %s, recommender %s", settings.emotion_url, settings.recommender_url)
        yield
        await asyncio.gather(upstreams.emotion.close(), upstreams.recommender.close())

    app = FastAPI(
        title="Moodtune",
        version="0.1.0",
        summary="Music that fits, or lifts, the mood of a face.",
        description="Upload a photo with a face: Moodtune classifies its emotion (the 7 FER2013 classes) and "
        "recommends Spotify tracks for it, ranked by popularity. Every error has one JSON shape: "
        '`{"error": {"code", "message", "details"}, "request_id"}`.',
        lifespan=lifespan,
        openapi_tags=[
            {"name": "recommend", "description": "A photo in, the emotion and songs out"},
            {"name": "playlists", "description": "Save songs to the user's Spotify account"},
            {"name": "operations", "description": "Health, readiness and metrics"},
        ],
    )
    app.state.settings = settings

    async def readiness(request: Request) -> Readiness:
        upstreams: Upstreams = request.app.state.upstreams
        emotion_ready, recommender_ready = await asyncio.gather(
            upstreams.emotion.ready(), upstreams.recommender.ready()
        )
        return Readiness(
            ready=emotion_ready and recommender_ready,
            service=SERVICE,
            details={"emotion-service": emotion_ready, "recommender-service": recommender_ready},
        )

    install_error_handlers(app)
    app.include_router(health_router(service=SERVICE, readiness=readiness, metrics=metrics))
    app.include_router(recommend.router)
    app.include_router(playlists.router)
    app.include_router(web.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_request)
    app.add_middleware(EdgeMiddleware, metrics=metrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = fix_upload_schemas(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app

"""The gateway app: `create_app(settings)`; one pooled HTTP client per upstream, made in the lifespan."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware

from gateway.api import playlists, recommend, web
from gateway.api.deps import Upstreams
from gateway.settings import Settings
from gateway.upstream import Upstream
from moodtune_service_kit.admission import measured_admission
from moodtune_service_kit.app import create_service_app
from moodtune_service_kit.health import Readiness
from moodtune_service_kit.metrics import Metrics

SERVICE = "gateway"
log = logging.getLogger(SERVICE)
MULTIPART_OVERHEAD = 64 * 1024
PHOTO_PATHS = ("/recommend", "/moods")  # the routes that ask the emotion-service


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics(SERVICE)
    max_request = settings.max_upload_bytes + MULTIPART_OVERHEAD

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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

    # The photos in hand (/recommend, /moods) are bounded like the emotion-service's queue.
    admission = measured_admission(
        settings.max_queue_wait_s, service=SERVICE, registry=metrics.registry, unit="photos"
    )
    app = create_service_app(
        service=SERVICE,
        admission=admission,
        admission_paths=PHOTO_PATHS,
        title="Moodtune",
        summary="Music that fits, or lifts, the mood of a face.",
        description="Upload a photo with a face: Moodtune classifies its emotion (the 7 FER2013 classes) and "
        "recommends Spotify tracks for it, ranked by popularity. Every error has one JSON shape: "
        '`{"error": {"code", "message", "details"}, "request_id"}`.',
        log_level=settings.log_level,
        metrics=metrics,
        readiness=readiness,
        routers=[recommend.router, playlists.router, web.router],
        lifespan=lifespan,
        max_body_bytes=max_request,
        body_timeout_s=settings.body_timeout_s,
        # The page's "Connect Spotify" exchanges its login code for a token at the accounts service.
        page_connect_sources=[settings.spotify_accounts_url.rstrip("/")]
        if settings.spotify_client_id
        else [],
        openapi_tags=[
            {"name": "recommend", "description": "A photo in, the emotion and songs out"},
            {"name": "playlists", "description": "Save songs to the user's Spotify account"},
            {"name": "operations", "description": "Health, readiness and metrics"},
        ],
        servers=[
            {"url": settings.public_url.rstrip("/"), "description": "the Moodtune gateway"}
            if settings.public_url
            else {"url": "/", "description": "the gateway serving this spec"}
        ],
        # The spec clients are generated from: an upload typed as bytes, not a string.
        binary_uploads=True,
    )
    app.state.settings = settings
    app.mount("/static", web.static_files(), name="static")
    if settings.cors_origins:
        # Starlette's CORS middleware, outermost: it answers preflights itself.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            max_age=600,
        )
    return app

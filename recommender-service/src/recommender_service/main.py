"""The recommender app: `create_app(settings)`; the catalog is loaded once, in the lifespan."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from prometheus_client import Gauge

from moodtune_service_kit.app import create_service_app
from moodtune_service_kit.health import Readiness
from moodtune_service_kit.metrics import Metrics
from recommender_service.api import recommendations
from recommender_service.catalog import Catalog
from recommender_service.settings import Settings

SERVICE = "recommender-service"
log = logging.getLogger(SERVICE)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics(SERVICE)
    catalog_tracks = Gauge(
        "catalog_tracks", "tracks in the loaded catalog", ["version"], registry=metrics.registry
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A broken catalog stops the start loudly: a recommender without one has nothing to serve.
        catalog = Catalog.load(settings.catalog_path)
        app.state.catalog = catalog
        catalog_tracks.labels(catalog.manifest.version).set(catalog.size)
        log.info("catalog %s loaded: %d tracks", catalog.manifest.version, catalog.size)
        yield

    async def readiness(request: Request) -> Readiness:
        catalog: Catalog | None = request.app.state.catalog
        details = {"catalog": catalog.manifest.version, "tracks": catalog.size} if catalog else {}
        return Readiness(ready=catalog is not None, service=SERVICE, details=details)

    app = create_service_app(
        service=SERVICE,
        title="Moodtune recommender-service",
        description="Spotify tracks for an emotion, from a k-means-clustered catalog, ranked by popularity.",
        log_level=settings.log_level,
        metrics=metrics,
        readiness=readiness,
        routers=[recommendations.router],
        lifespan=lifespan,
        body_timeout_s=settings.body_timeout_s,  # JSON bodies: the kit's 1 MiB limit
    )
    app.state.settings = settings
    app.state.catalog = None
    return app

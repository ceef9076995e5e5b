"""`/healthz`, `/readyz` and `/metrics`, alike in every service."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from moodtune_service_kit.metrics import Metrics


class Health(BaseModel):
    status: str
    service: str


class Readiness(BaseModel):
    ready: bool
    service: str
    details: dict[str, Any] = {}


def health_router(
    *, service: str, readiness: Callable[[Request], Awaitable[Readiness]], metrics: Metrics
) -> APIRouter:
    """`/healthz` (the process answers), `/readyz` (it can do its job), `/metrics` (Prometheus)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", operation_id="healthz", response_model=Health)
    async def healthz() -> Health:
        return Health(status="ok", service=service)

    @router.get(
        "/readyz",
        operation_id="readyz",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Not ready"}},
    )
    async def readyz(request: Request, response: Response) -> Readiness:
        result = await readiness(request)
        if not result.ready:
            response.status_code = 503
        return result

    @router.get("/metrics", operation_id="metrics", response_class=Response, include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router

"""What every Moodtune FastAPI app shares: request ids, the error mapping, health and metrics routes.

Kept here so the three services behave alike at their edges without copying code.
"""

import logging
import random
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartParser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moodtune_contracts.errors import ErrorDetail, ErrorResponse, MoodtuneError

REQUEST_ID_HEADER = "X-Request-ID"
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Responses every route may give, for the OpenAPI spec.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "Invalid input"},
    500: {"model": ErrorResponse, "description": "Unexpected failure (a bug)"},
}


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record so one request can be followed across services."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())


class Metrics:
    """One Prometheus registry per app, so several apps in one process (tests) never collide."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route and status",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            ["service", "method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        self.service = service


class EdgeMiddleware:
    """Pure ASGI (cheaper than BaseHTTPMiddleware): request id in and out, metrics per route."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode())
        # Accept a caller's id only if it is short and printable, so logs cannot be forged or flooded.
        rid = incoming.decode("ascii", "replace") if incoming else ""
        if not (0 < len(rid) <= 128 and rid.isprintable()):
            rid = f"{random.getrandbits(128):032x}"  # unique, not secret: cheaper than uuid4
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            method = scope["method"]
            m = self.metrics
            m.requests.labels(m.service, method, path, str(status)).inc()
            m.latency.labels(m.service, method, path).observe(time.perf_counter() - started)
            request_id_var.reset(token)


class PayloadTooLarge(MoodtuneError):
    status_code = 413
    code = "payload_too_large"


def keep_uploads_in_memory(max_bytes: int) -> None:
    """Nothing a user sends is written to disk: Starlette spools multipart files above
    `MultiPartParser.spool_max_size` to a temporary file, so raise it to the request limit
    (which BodyLimitMiddleware enforces, bounding memory)."""
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, max_bytes)


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when it is absent or not a number."""
    declared = dict(scope["headers"]).get(b"content-length")
    return int(declared) if declared is not None and declared.isdigit() else None


async def send_json(send: Send, status: int, body: bytes) -> None:
    """A whole JSON response straight onto an ASGI `send`, for middleware that answers by itself."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """413 in the one error shape for bodies over `max_bytes`: declared (Content-Length) or streamed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _error(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"request body is larger than {self.max_bytes:,} bytes", details={"max_bytes": self.max_bytes}
        )

    async def _reject(self, send: Send) -> None:
        payload = self._error().to_response(request_id_var.get()).model_dump_json().encode()
        await send_json(send, 413, payload)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise self._error()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                # Whatever the app made of the aborted read (FastAPI answers a form-parsing failure
                # with a generic 400), the caller gets the 413 that says what happened.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._reject(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except PayloadTooLarge:
            if not started:
                await self._reject(send)


def _error(status: int, body: ErrorResponse, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to the one ErrorResponse shape; nothing escapes as a bare 500 page."""
    log = logging.getLogger("moodtune.errors")

    @app.exception_handler(MoodtuneError)
    async def domain_error(request: Request, exc: MoodtuneError) -> JSONResponse:
        return _error(exc.status_code, exc.to_response(request_id_var.get()))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")} for e in exc.errors()
        ]
        first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
        message = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else first["msg"]
        body = ErrorResponse(
            error=ErrorDetail(code="invalid_request", message=message, details={"errors": problems}),
            request_id=request_id_var.get(),
        )
        return _error(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        body = ErrorResponse(
            error=ErrorDetail(code=codes.get(exc.status_code, "http_error"), message=str(exc.detail)),
            request_id=request_id_var.get(),
        )
        return _error(exc.status_code, body, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        body = ErrorResponse(
            error=ErrorDetail(code="internal_error", message="unexpected server error"),
            request_id=request_id_var.get(),
        )
        return _error(500, body)


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

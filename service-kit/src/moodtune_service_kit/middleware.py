"""The edge every service shares, as pure ASGI middleware (cheaper than BaseHTTPMiddleware):
request ids in and out and metrics per route (`EdgeMiddleware`), and the request body limit
(`BodyLimitMiddleware`)."""

import random
import time

from starlette.formparsers import MultiPartParser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moodtune_service_kit.errors import PayloadTooLarge
from moodtune_service_kit.metrics import Metrics
from moodtune_service_kit.request_ids import REQUEST_ID_HEADER, request_id_var


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

"""The edge every service shares, as pure ASGI middleware (cheaper than BaseHTTPMiddleware):
request ids in and out and metrics per route (`EdgeMiddleware`), and the request body limit
(`BodyLimitMiddleware`)."""

import asyncio
import logging
import time

from starlette.formparsers import MultiPartParser
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moodtune_contracts.errors import ErrorDetail, ErrorResponse, MoodtuneError
from moodtune_service_kit.errors import PayloadTooLarge, RequestTimeout
from moodtune_service_kit.metrics import Metrics
from moodtune_service_kit.request_ids import REQUEST_ID_HEADER, accepted_request_id, request_id_var
from moodtune_service_kit.security import SecurityHeaders

log = logging.getLogger("moodtune.errors")
CLIENT_CLOSED = 499


class EdgeMiddleware:
    """Pure ASGI (cheaper than BaseHTTPMiddleware), outermost: request id in and out, security
    headers, metrics per route, and the last word on failures: an unexpected exception becomes one
    logged 500 in the error shape, with the request id; a client that went away is counted as 499
    (nginx's "client closed request") and not logged as an error."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, security: SecurityHeaders | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.security = security or SecurityHeaders()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = accepted_request_id(dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode()))
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        extra_headers = [(b"x-request-id", rid.encode()), *self.security.for_path(scope["path"])]
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *extra_headers]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            status = CLIENT_CLOSED
        except Exception:
            log.exception("unhandled error")
            if status == 500:  # nothing sent yet (a started response cannot be replaced)
                body = ErrorResponse(
                    error=ErrorDetail(code="internal_error", message="unexpected server error"),
                    request_id=rid,
                )
                await send_json(send_with_id, 500, body.model_dump_json().encode())
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


async def send_json(send: Send, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    """A whole JSON response straight onto an ASGI `send`, for middleware that answers by itself."""
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """413 in the one error shape for bodies over `max_bytes`: declared (Content-Length) or streamed;
    408 for a body that stops arriving (nothing for `read_timeout_s`, e.g. a Content-Length larger
    than what is sent)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, read_timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout_s = read_timeout_s

    def _error(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"request body is larger than {self.max_bytes:,} bytes", details={"max_bytes": self.max_bytes}
        )

    async def _reject(self, send: Send) -> None:
        await self._answer(send, self._error())

    async def _answer(self, send: Send, error: MoodtuneError) -> None:
        payload = error.to_response(request_id_var.get()).model_dump_json().encode()
        await send_json(send, error.status_code, payload)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        exceeded = started = timed_out = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded, timed_out
            try:
                message = await asyncio.wait_for(receive(), self.read_timeout_s)
            except TimeoutError:
                timed_out = True
                raise RequestTimeout(
                    f"the request body stopped arriving for {self.read_timeout_s:g} s",
                    details={"received_bytes": received},
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise self._error()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if timed_out:
                # As for the 413: the caller gets the 408, not the app's view of a broken read.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._answer(
                        send,
                        RequestTimeout(f"the request body stopped arriving for {self.read_timeout_s:g} s"),
                    )
                return
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
        except RequestTimeout as exc:
            if not started:
                await self._answer(send, exc)

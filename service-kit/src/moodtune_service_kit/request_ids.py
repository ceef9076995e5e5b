"""The request id of the request being handled: set by EdgeMiddleware, read by logs, errors and clients."""

from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

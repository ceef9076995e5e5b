"""HTTP clients for the two services: pooled, with timeouts, one safe retry, request ids passed on.

Failures become errors a client can act on: a service's own 4xx passes through with its meaning;
a service down is 503, a slow one 504, a broken one 502 — each naming the service; a service that
sheds load answers 503 `overloaded` with Retry-After, and so does the gateway.
"""

import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp

from gateway.errors import UpstreamFailed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable
from moodtune_contracts.errors import Overloaded
from moodtune_service_kit.request_ids import REQUEST_ID_HEADER, request_id_var

log = logging.getLogger(__name__)
# A connection that failed to open (refused, unreachable) never reached the service: it alone is
# tried again. A timeout is not, since the call may be under way.
CONNECT_RETRIES = 1
MAX_CONNECTIONS = 100
# An idle pooled connection is closed by the gateway before the service's keep-alive timeout
# (at least 1 s, 5 s unless configured) closes it from the other end: a request never goes out on
# a connection the service is closing at that moment.
IDLE_CONNECTION_S = 0.5
# When the request being served must be answered by (time.monotonic()), None outside a request with
# a budget; every upstream call waits at most until then (gateway.api.deps.request_budget sets it).
deadline_var: ContextVar[float | None] = ContextVar("deadline", default=None)


@dataclass(frozen=True)
class FilePart:
    """One file in a multipart/form-data body."""

    field: str
    filename: str
    data: bytes
    media_type: str


@dataclass(frozen=True)
class Answer:
    """A service's response, read whole."""

    status: int
    headers: Mapping[str, str]
    body: bytes


Body = Callable[[], dict[str, Any]]  # the request's body arguments, made anew for each attempt


def retry_after_s(headers: Mapping[str, str]) -> int:
    """A response's Retry-After in whole seconds (1 if absent, or a date rather than seconds)."""
    value = headers.get("Retry-After", "")
    return max(1, int(value)) if value.isascii() and value.isdigit() else 1


class Upstream:
    """A pooled aiohttp client for one service (its HTTP parser is compiled: the upstream calls are
    most of the gateway's own work for a photo). Create it, and call it, inside the serving loop."""

    def __init__(self, *, name: str, base_url: str, timeout_s: float, connect_timeout_s: float) -> None:
        self.name = name
        # Paths are appended to the base as they are: a base with a path prefix keeps it.
        self.base_url = base_url.rstrip("/")
        self.timeout_s, self.connect_timeout_s = timeout_s, connect_timeout_s
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=MAX_CONNECTIONS,
                keepalive_timeout=IDLE_CONNECTION_S,
                # A service's new address (a restarted container) is used at once, not after a cache.
                use_dns_cache=False,
                timeout_ceil_threshold=math.inf,  # read timeouts exact, not rounded up to the second
            ),
        )

    async def close(self) -> None:
        await self.session.close()

    async def post_json(self, path: str, body: Any) -> dict[str, Any]:
        return await self.request("POST", path, lambda: {"json": body})

    async def post_file(self, path: str, file: FilePart, *, params: Mapping[str, str]) -> dict[str, Any]:
        def form() -> dict[str, Any]:
            data = aiohttp.FormData()
            data.add_field(file.field, file.data, filename=file.filename, content_type=file.media_type)
            return {"data": data, "params": params}

        return await self.request("POST", path, form)

    async def get(self, path: str) -> dict[str, Any]:
        return await self.request("GET", path, dict)

    def _timeout(self) -> aiohttp.ClientTimeout:
        """Opening a connection and each read wait at most the client's limits; the whole call, with
        the wait for a pooled connection, no longer than what is left of the request's budget."""
        deadline = deadline_var.get()
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise UpstreamTimeout(
                f"the request's time budget ran out before the {self.name} was asked",
                details={"service": self.name},
            )
        total = self.timeout_s if left is None else left
        return aiohttp.ClientTimeout(
            total=total,
            sock_connect=min(self.connect_timeout_s, total),
            sock_read=min(self.timeout_s, total),
            ceil_threshold=math.inf,  # exact: a budget over 5 s is not rounded up to the next second
        )

    async def _send(self, method: str, path: str, body: Body) -> Answer:
        headers = {REQUEST_ID_HEADER: request_id_var.get() or ""}
        retries = CONNECT_RETRIES
        while True:
            try:
                async with self.session.request(
                    method,
                    self.base_url + path,
                    headers=headers,
                    timeout=self._timeout(),  # each attempt gets only what is left of the budget
                    allow_redirects=False,
                    **body(),
                ) as response:
                    return Answer(response.status, response.headers, await response.read())
            except aiohttp.ClientConnectorError:
                if not retries:
                    raise
                retries -= 1

    async def request(self, method: str, path: str, body: Body) -> dict[str, Any]:
        try:
            answer = await self._send(method, path, body)
        except aiohttp.ClientConnectorError as exc:  # after the retry
            raise UpstreamUnavailable(
                f"the {self.name} is unreachable", details={"service": self.name}
            ) from exc
        except TimeoutError as exc:  # connecting, a read, or the request's whole budget
            raise UpstreamTimeout(
                f"the {self.name} did not answer in time", details={"service": self.name}
            ) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(
                f"the {self.name} connection failed ({type(exc).__name__})",
                details={"service": self.name},
            ) from exc
        return self._unwrap(answer)

    async def ready(self) -> bool:
        try:
            async with self.session.get(
                self.base_url + "/readyz", timeout=aiohttp.ClientTimeout(total=2.0)
            ) as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    def _unwrap(self, response: Answer) -> dict[str, Any]:
        try:
            body = json.loads(response.body)
        except ValueError:
            body = None
        if response.status < 400 and isinstance(body, dict):
            return body
        error = body.get("error") if isinstance(body, dict) else None
        if 400 <= response.status < 500 and isinstance(error, dict) and response.status != 503:
            return_status = response.status
            raise UpstreamRejected(
                service=self.name,
                status_code=return_status,
                code=str(error.get("code", "upstream_rejected")),
                message=str(error.get("message", "")),
                details=dict(error.get("details") or {}),
            )
        if response.status == 503 and isinstance(error, dict) and error.get("code") == Overloaded.code:
            # Busy, not down: the caller hears it as such, with the service's Retry-After. Never
            # retried here: repeating work to a service that is shedding load is what overloads it.
            raise Overloaded(
                str(error.get("message", "")),
                retry_after_s=retry_after_s(response.headers),
                details={**dict(error.get("details") or {}), "service": self.name},
            )
        if response.status == 503:
            raise UpstreamUnavailable(f"the {self.name} is not ready", details={"service": self.name})
        raise UpstreamFailed(
            f"the {self.name} failed (HTTP {response.status})",
            details={"service": self.name, "status": response.status},
        )

"""HTTP clients for the two services: pooled, with timeouts, one safe retry, request ids passed on.

The client is aiohttp's: its HTTP parsing and multipart writing are compiled, and the gateway's two
upstream calls are most of its own CPU per photo (benchmarks/RESULTS.md, "The gateway's upstream
client"). A connection that failed to open (refused, or timed out connecting) never reached the
service, so it alone is tried once more; nothing else is repeated.

Failures become errors a client can act on: a service's own 4xx passes through with its meaning;
a service down is 503, a slow one 504, a broken one 502 — each naming the service; a service that
sheds load answers 503 `overloaded` with Retry-After, and so does the gateway.
"""

import json
import logging
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp

from gateway.errors import UpstreamFailed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable
from moodtune_contracts.errors import Overloaded
from moodtune_service_kit.request_ids import REQUEST_ID_HEADER, request_id_var

log = logging.getLogger(__name__)
CONNECT_RETRIES = 1
MAX_CONNECTIONS = 100
# An idle pooled connection is closed by the gateway before the services' own keep-alive timeout
# (5 s unless configured) closes it from the other end: a request never goes out on a connection
# the service is closing at that moment.
IDLE_CONNECTION_S = 2.0
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


def retry_after_s(headers: Mapping[str, str]) -> int:
    """A response's Retry-After in whole seconds (1 if absent, or a date rather than seconds)."""
    value = headers.get("Retry-After", "")
    return max(1, int(value)) if value.isdigit() else 1


def _form(file: FilePart) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field(file.field, file.data, filename=file.filename, content_type=file.media_type)
    return form


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


class Upstream:
    """A pooled client for one service. Create it, and call it, inside the event loop that serves."""

    def __init__(self, *, name: str, base_url: str, timeout_s: float, connect_timeout_s: float) -> None:
        self.name = name
        self.timeout_s, self.connect_timeout_s = timeout_s, connect_timeout_s
        self.session = aiohttp.ClientSession(
            base_url=base_url,
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=IDLE_CONNECTION_S),
            timeout=self._timeout(None),
        )

    async def close(self) -> None:
        await self.session.close()

    async def post(
        self,
        path: str,
        *,
        json_body: Any = None,
        file: FilePart | None = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        return await self.request("POST", path, json_body=json_body, file=file, params=params)

    async def get(self, path: str) -> dict[str, Any]:
        return await self.request("GET", path)

    def _timeout(self, left: float | None) -> aiohttp.ClientTimeout:
        """Each read, and opening a connection, wait at most the client's limits, and the whole call
        no longer than `left` (what is left of the request's budget)."""

        def bound(limit: float) -> float:
            return limit if left is None else min(limit, left)

        return aiohttp.ClientTimeout(
            total=left,
            connect=bound(self.timeout_s),  # a free pooled connection, or a new one opened
            sock_connect=bound(self.connect_timeout_s),
            sock_read=bound(self.timeout_s),
        )

    def _call_timeout(self) -> aiohttp.ClientTimeout | None:
        deadline = deadline_var.get()
        if deadline is None:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            raise UpstreamTimeout(
                f"the request's time budget ran out before the {self.name} was asked",
                details={"service": self.name},
            )
        return self._timeout(left)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        file: FilePart | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Answer:
        headers = {REQUEST_ID_HEADER: request_id_var.get() or ""}
        timeout = self._call_timeout() or self.session.timeout
        body: dict[str, Any] = {"data": _form(file)} if file is not None else {"json": json_body}
        retries = CONNECT_RETRIES
        while True:
            try:
                async with self.session.request(
                    method,
                    path,
                    headers=headers,
                    params=params,
                    timeout=timeout,
                    allow_redirects=False,
                    **body,
                ) as response:
                    return Answer(response.status, response.headers, await response.read())
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
                if not retries:
                    raise
                retries -= 1

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        file: FilePart | None = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            answer = await self._send(method, path, json_body=json_body, file=file, params=params)
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
            async with self.session.get("/readyz", timeout=aiohttp.ClientTimeout(total=2.0)) as response:
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

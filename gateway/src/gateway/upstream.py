"""HTTP clients for the two services: pooled, with timeouts, one safe retry, request ids passed on.

The retry is httpx's own transport retry: it repeats only a connection that failed to open
(refused, or timed out connecting), which never reached the service and so is safe to repeat.

Failures become errors a client can act on: a service's own 4xx passes through with its meaning;
a service down is 503, a slow one 504, a broken one 502 — each naming the service; a service that
sheds load answers 503 `overloaded` with Retry-After, and so does the gateway.
"""

import logging
import time
from contextvars import ContextVar
from typing import Any

import httpx

from gateway.errors import UpstreamFailed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable
from moodtune_contracts.errors import Overloaded
from moodtune_service_kit.request_ids import REQUEST_ID_HEADER, request_id_var

log = logging.getLogger(__name__)
CONNECT_RETRIES = 1
# When the request being served must be answered by (time.monotonic()), None outside a request with
# a budget; every upstream call waits at most until then (gateway.api.deps.request_budget sets it).
deadline_var: ContextVar[float | None] = ContextVar("deadline", default=None)


def retry_after_s(response: httpx.Response) -> int:
    """The response's Retry-After in whole seconds (1 if absent, or a date rather than seconds)."""
    value = response.headers.get("Retry-After", "")
    return max(1, int(value)) if value.isdigit() else 1


class Upstream:
    def __init__(self, *, name: str, base_url: str, timeout_s: float, connect_timeout_s: float) -> None:
        self.name = name
        self.client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            transport=httpx.AsyncHTTPTransport(
                retries=CONNECT_RETRIES,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            ),
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return await self.request("POST", path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return await self.request("GET", path, **kwargs)

    def _timeout(self) -> httpx.Timeout | None:
        """The call's timeout: the client's own, shortened to what is left of the request's budget."""
        deadline = deadline_var.get()
        if deadline is None:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            raise UpstreamTimeout(
                f"the request's time budget ran out before the {self.name} was asked",
                details={"service": self.name},
            )
        timeout = self.client.timeout
        return httpx.Timeout(
            min(timeout.read or left, left), connect=min(timeout.connect or left, left), pool=left
        )

    async def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {REQUEST_ID_HEADER: request_id_var.get() or ""}
        timeout = self._timeout()
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            response = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.ConnectError as exc:  # after the transport's retry
            raise UpstreamUnavailable(
                f"the {self.name} is unreachable", details={"service": self.name}
            ) from exc
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"the {self.name} did not answer in time", details={"service": self.name}
            ) from exc
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(
                f"the {self.name} connection failed ({type(exc).__name__})",
                details={"service": self.name},
            ) from exc
        return self._unwrap(response)

    async def ready(self) -> bool:
        try:
            return (await self.client.get("/readyz", timeout=2.0)).status_code == 200
        except httpx.HTTPError:
            return False

    def _unwrap(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code < 400 and isinstance(body, dict):
            return body
        error = body.get("error") if isinstance(body, dict) else None
        if 400 <= response.status_code < 500 and isinstance(error, dict) and response.status_code != 503:
            return_status = response.status_code
            raise UpstreamRejected(
                service=self.name,
                status_code=return_status,
                code=str(error.get("code", "upstream_rejected")),
                message=str(error.get("message", "")),
                details=dict(error.get("details") or {}),
            )
        if response.status_code == 503 and isinstance(error, dict) and error.get("code") == Overloaded.code:
            # Busy, not down: the caller hears it as such, with the service's Retry-After. Never
            # retried here: repeating work to a service that is shedding load is what overloads it.
            raise Overloaded(
                str(error.get("message", "")),
                retry_after_s=retry_after_s(response),
                details={**dict(error.get("details") or {}), "service": self.name},
            )
        if response.status_code == 503:
            raise UpstreamUnavailable(f"the {self.name} is not ready", details={"service": self.name})
        raise UpstreamFailed(
            f"the {self.name} failed (HTTP {response.status_code})",
            details={"service": self.name, "status": response.status_code},
        )

"""HTTP clients for the two services: pooled, with timeouts, one safe retry, request ids passed on.

The retry is httpx's own transport retry: it repeats only a connection that failed to open
(refused, or timed out connecting), which never reached the service and so is safe to repeat.

Failures become errors a client can act on: a service's own 4xx passes through with its meaning;
a service down is 503, a slow one 504, a broken one 502 — each naming the service.
"""

import logging
from typing import Any

import httpx

from gateway.errors import UpstreamFailed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable
from moodtune_service_kit.request_ids import REQUEST_ID_HEADER, request_id_var

log = logging.getLogger(__name__)
CONNECT_RETRIES = 1


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

    async def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {REQUEST_ID_HEADER: request_id_var.get() or ""}
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
        if response.status_code == 503:
            raise UpstreamUnavailable(f"the {self.name} is not ready", details={"service": self.name})
        raise UpstreamFailed(
            f"the {self.name} failed (HTTP {response.status_code})",
            details={"service": self.name, "status": response.status_code},
        )

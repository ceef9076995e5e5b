"""The gateway's upstream client, alone (the stack tests cover it end to end)."""

import asyncio
import socket

import httpx
import pytest

from gateway.errors import UpstreamUnavailable
from gateway.upstream import CONNECT_RETRIES, Upstream


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket closes


def test_connect_failures_are_retried_by_httpx_transport_once() -> None:
    upstream = Upstream(
        name="emotion-service", base_url="http://127.0.0.1:1", timeout_s=1, connect_timeout_s=1
    )
    transport = upstream.client._transport  # the one we configured, not httpx's default
    assert isinstance(transport, httpx.AsyncHTTPTransport)
    assert transport._pool._retries == CONNECT_RETRIES == 1
    asyncio.run(upstream.close())


def test_an_unreachable_service_is_unavailable_naming_it() -> None:
    async def call() -> None:
        upstream = Upstream(
            name="recommender-service",
            base_url=f"http://127.0.0.1:{_closed_port()}",
            timeout_s=1,
            connect_timeout_s=1,
        )
        try:
            await upstream.post("/v1/recommendations", json={})
        finally:
            await upstream.close()

    with pytest.raises(UpstreamUnavailable) as raised:
        asyncio.run(call())
    assert raised.value.details == {"service": "recommender-service"}

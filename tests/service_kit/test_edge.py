"""The edge every service shares: a bug answers one logged 500 with the request id; a client that
goes away is not a 500. In-process (ASGI) with a route made to fail, since no real route should."""

import asyncio
import logging

import httpx
import pytest
from fastapi import APIRouter, Request

from moodtune_service_kit.app import create_service_app
from moodtune_service_kit.health import Readiness
from moodtune_service_kit.metrics import Metrics


def app_with_a_broken_route() -> tuple[object, Metrics]:
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    @router.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    async def ready(request: Request) -> Readiness:
        return Readiness(ready=True, service="test")

    metrics = Metrics("test")
    app = create_service_app(
        service="test",
        title="t",
        description="t",
        log_level="info",
        metrics=metrics,
        readiness=ready,
        routers=[router],
    )
    return app, metrics


def count(metrics: Metrics, status: str) -> float:
    value = metrics.registry.get_sample_value(
        "http_requests_total",
        {
            "service": "test",
            "method": "POST" if status == "499" else "GET",
            "route": "/upload" if status == "499" else "/boom",
            "status": status,
        },
    )
    return value or 0.0


def test_an_unexpected_error_is_one_logged_500_with_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    app, metrics = app_with_a_broken_route()

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get("/boom", headers={"x-request-id": "trace-9"})

    with caplog.at_level(logging.ERROR):
        response = asyncio.run(call())
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": "unexpected server error", "details": {}},
        "request_id": "trace-9",
    }
    assert response.headers["x-request-id"] == "trace-9"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert [r.getMessage() for r in caplog.records].count("unhandled error") == 1
    assert count(metrics, "500") == 1


def test_a_client_that_disconnects_mid_body_is_499_not_500() -> None:
    app, metrics = app_with_a_broken_route()
    sent: list[dict[str, object]] = []

    async def run() -> None:
        messages: list[dict[str, object]] = [
            {"type": "http.request", "body": b"x" * 10, "more_body": True},
            {"type": "http.disconnect"},
        ]

        async def receive() -> dict[str, object]:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/upload",
            "raw_path": b"/upload",
            "query_string": b"",
            "headers": [(b"content-length", b"1000")],
            "client": ("127.0.0.1", 1),
            "server": ("t", 80),
        }
        await app(scope, receive, send)  # type: ignore[operator]

    asyncio.run(run())
    assert not any(m.get("status") == 500 for m in sent)
    assert count(metrics, "499") == 1 and count(metrics, "500") == 0


def test_a_request_head_that_never_completes_is_closed_at_the_deadline() -> None:
    import socket
    import time

    from support.processes import free_port, running_service

    port = free_port()
    env = {"RECOMMENDER_PORT": str(port), "RECOMMENDER_HEADER_TIMEOUT_S": "1.5"}
    with running_service("recommender_service", env=env, port=port):
        trickling = socket.create_connection(("127.0.0.1", port), timeout=20)
        trickling.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and the rest never comes
        silent = socket.create_connection(("127.0.0.1", port), timeout=20)  # sends nothing at all
        started = time.monotonic()
        assert trickling.recv(100) == b"" and silent.recv(100) == b""  # closed by the server
        assert time.monotonic() - started < 10
        # A complete request is answered, and its connection kept alive for the next one.
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get("/healthz").status_code == 200
            time.sleep(0.5)
            assert client.get("/healthz").status_code == 200

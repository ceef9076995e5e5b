"""The gateway's upstream client, alone (the stack tests cover it end to end)."""

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohappyeyeballs
import pytest

from gateway.errors import UpstreamTimeout, UpstreamUnavailable
from gateway.upstream import CONNECT_RETRIES, IDLE_CONNECTION_S, FilePart, Upstream
from moodtune_service_kit.serving import ServiceSettings


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket closes


@contextmanager
def _listener(*, accept: bool) -> Iterator[tuple[int, list[socket.socket]]]:
    """A port that takes connections and never answers (`accept`: each connection is accepted and
    kept; else the backlog holds them). Yields the port and the accepted connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def take() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=take, daemon=True)
    if accept:
        thread.start()
    try:
        yield int(server.getsockname()[1]), accepted
    finally:
        stop.set()
        if accept:
            thread.join()
        for conn in accepted:
            conn.close()
        server.close()


def _call(
    port: int, *, timeout_s: float = 1.0, connect_timeout_s: float = 1.0, file: FilePart | None = None
) -> None:
    async def call() -> None:
        upstream = Upstream(
            name="recommender-service",
            base_url=f"http://127.0.0.1:{port}",
            timeout_s=timeout_s,
            connect_timeout_s=connect_timeout_s,
        )
        try:
            await upstream.post("/v1/recommendations", json_body={}, file=file)
        finally:
            await upstream.close()

    asyncio.run(call())


def test_an_unreachable_service_is_unavailable_naming_it() -> None:
    with pytest.raises(UpstreamUnavailable) as raised:
        _call(_closed_port())
    assert raised.value.details == {"service": "recommender-service"}


@pytest.mark.parametrize("file", [None, FilePart("image", "upload", b"\xff\xd8 bytes", "image/jpeg")])
def test_a_refused_connection_is_tried_once_more(
    monkeypatch: pytest.MonkeyPatch, file: FilePart | None
) -> None:
    opened: list[object] = []
    real = aiohappyeyeballs.start_connection

    async def counting(*args: Any, **kwargs: Any) -> socket.socket:
        opened.append(args)
        return await real(*args, **kwargs)

    # aiohttp opens every TCP connection through aiohappyeyeballs.start_connection.
    monkeypatch.setattr(aiohappyeyeballs, "start_connection", counting)
    with pytest.raises(UpstreamUnavailable):  # an upload too: its form is sent again, not a 500
        _call(_closed_port(), file=file)
    assert CONNECT_RETRIES == 1 and len(opened) == 2


def test_a_service_that_never_answers_is_a_timeout_naming_it() -> None:
    with _listener(accept=True) as (port, accepted), pytest.raises(UpstreamTimeout) as raised:
        _call(port, timeout_s=0.3)
    assert raised.value.details == {"service": "recommender-service"}
    assert len(accepted) == 1  # the request went out once: a read that timed out is not repeated


def test_idle_connections_close_before_the_services_keep_alive_does() -> None:
    assert IDLE_CONNECTION_S < ServiceSettings.model_fields["keep_alive_timeout_s"].default

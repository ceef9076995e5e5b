"""The gateway's upstream client, alone (the stack tests cover it end to end)."""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import pytest

from gateway.errors import UpstreamFailed, UpstreamTimeout, UpstreamUnavailable
from gateway.upstream import (
    CONNECT_RETRIES,
    IDLE_CONNECTION_S,
    Answer,
    FilePart,
    Upstream,
    deadline_var,
    retry_after_s,
)
from moodtune_contracts.errors import MoodtuneError
from moodtune_service_kit.serving import ServiceSettings
from support.fakes import misbehaving_service, serve_in_thread
from support.processes import free_port

PHOTO = FilePart("image", "upload", b"\xff\xd8 bytes", "image/jpeg")


@contextmanager
def _slow_service(*, trickle: bool = False) -> Iterator[tuple[int, list[socket.socket]]]:
    """A port whose connections are accepted and never answered (`trickle`: answered with a header
    that never ends, a byte every 0.2 s); yields it and the connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not stop.wait(0.2):
            try:
                conn.sendall(b"a")
            except OSError:
                return

    def take() -> None:
        while not stop.is_set():
            try:
                conn = server.accept()[0]
            except TimeoutError:
                continue
            accepted.append(conn)
            if trickle:
                threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1]), accepted
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


def _post(
    base_url: str, *, file: FilePart | None = None, timeout_s: float = 1.0, budget_s: float | None = None
) -> dict[str, Any]:
    async def call() -> dict[str, Any]:
        upstream = Upstream(
            name="recommender-service", base_url=base_url, timeout_s=timeout_s, connect_timeout_s=1.0
        )
        if budget_s is not None:
            deadline_var.set(time.monotonic() + budget_s)
        try:
            if file is not None:
                return await upstream.post_file("/v1/emotions", file, params={"face": "auto"})
            return await upstream.post_json("/v1/recommendations", {})
        finally:
            await upstream.close()

    return asyncio.run(call())


def test_an_unreachable_service_is_unavailable_naming_it() -> None:
    with pytest.raises(UpstreamUnavailable) as raised:
        _post(f"http://127.0.0.1:{free_port()}")
    assert raised.value.details == {"service": "recommender-service"}


@pytest.mark.parametrize("file", [None, PHOTO])
def test_a_refused_connection_is_tried_once_more(
    monkeypatch: pytest.MonkeyPatch, file: FilePart | None
) -> None:
    attempts: list[str] = []
    real = aiohttp.ClientSession.request

    def counting(self: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Any:
        attempts.append(url)
        return real(self, method, url, **kwargs)

    monkeypatch.setattr(aiohttp.ClientSession, "request", counting)
    with pytest.raises(UpstreamUnavailable):  # an upload too: its form is made again, never a 500
        _post(f"http://127.0.0.1:{free_port()}", file=file)
    assert len(attempts) == 1 + CONNECT_RETRIES == 2


def test_a_service_that_never_answers_is_a_timeout_asked_once() -> None:
    with _slow_service() as (port, accepted), pytest.raises(UpstreamTimeout) as raised:
        _post(f"http://127.0.0.1:{port}", timeout_s=0.3)
    assert raised.value.details == {"service": "recommender-service"}
    assert len(accepted) == 1  # a call that timed out is not repeated


def test_a_budget_over_five_seconds_is_kept_to_the_fraction() -> None:
    # aiohttp rounds a deadline 5 s or more away up to the next whole second of the loop's clock
    # (time.monotonic) unless told otherwise. This budget ends 0.05 s past a whole second, where
    # rounding would add 0.95 s. The service sends a byte now and then, so only the budget, not a
    # read timeout, can end the call.
    started = time.monotonic()
    budget = 5.0 + (0.05 - started) % 1.0
    with _slow_service(trickle=True) as (port, _), pytest.raises(UpstreamTimeout):
        _post(f"http://127.0.0.1:{port}", timeout_s=30.0, budget_s=budget)
    assert time.monotonic() - started < budget + 0.5


def test_a_base_url_with_a_path_keeps_it() -> None:
    app, seen = misbehaving_service(body={"ok": True})
    with serve_in_thread(app) as url:
        assert _post(f"{url}/prefix/") == {"ok": True}
        _post(f"{url}/prefix", file=PHOTO)
    assert [request["path"] for request in seen] == ["/prefix/v1/recommendations", "/prefix/v1/emotions"]
    assert 'filename="upload"' in seen[1]["body"]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b"<html>not json</html>", UpstreamFailed),
        (200, b"[1, 2]", UpstreamFailed),
        (404, b"", UpstreamFailed),
        (503, b"<html>down</html>", UpstreamUnavailable),
        (500, b"\xff\xfe", UpstreamFailed),
    ],
)
def test_an_answer_that_is_not_the_services_json_is_a_clear_error(
    status: int, body: bytes, error: type[MoodtuneError]
) -> None:
    upstream = object.__new__(Upstream)  # _unwrap reads only the name
    upstream.name = "emotion-service"
    with pytest.raises(error) as raised:
        upstream._unwrap(Answer(status=status, headers={}, body=body))
    assert raised.value.details["service"] == "emotion-service"


@pytest.mark.parametrize(("value", "seconds"), [("7", 7), ("0", 1), ("", 1), ("²", 1), ("Wed, 21 Oct", 1)])
def test_retry_after_is_whole_seconds_or_one(value: str, seconds: int) -> None:
    assert retry_after_s({"Retry-After": value} if value else {}) == seconds


def test_idle_connections_close_before_any_allowed_service_keep_alive() -> None:
    field = ServiceSettings.model_fields["keep_alive_timeout_s"]
    smallest = next(bound.ge for bound in field.metadata if hasattr(bound, "ge"))
    assert IDLE_CONNECTION_S < smallest <= field.default

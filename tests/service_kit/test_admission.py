"""Bounded queueing's arithmetic on a hand-driven clock (moodtune_service_kit.admission); the service's
503s under a real burst are in tests/emotion_service/test_overload.py."""

import socket

import pytest
from fastapi import FastAPI

from moodtune_contracts.errors import Overloaded
from moodtune_service_kit.admission import PRIOR_COST_S, Admission, AdmissionMiddleware
from support.fakes import serve_in_thread


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_cost_per_image_is_busy_time_over_images_answered_and_idle_time_is_not_counted() -> None:
    clock = Clock()
    admission = Admission(1.0, service="emotion-service", clock=clock)
    assert admission.cost_s == pytest.approx(PRIOR_COST_S)
    for _ in range(200):  # one image at a time, 20 ms each, with 1 s of idle time between
        clock.now += 1.0
        with admission.slot():
            clock.now += 0.02
    assert admission.cost_s == pytest.approx(0.02, rel=0.01)
    assert admission.in_flight == 0


def test_answers_in_clumps_give_the_cost_of_the_throughput() -> None:
    """Under load a model call answers many images at once: 8 images every 80 ms is 10 ms an image."""
    clock = Clock()
    admission = Admission(1.0, service="emotion-service", clock=clock)
    slots = [admission.slot() for _ in range(8)]
    for slot in slots:
        slot.__enter__()
    for _ in range(100):
        clock.now += 0.08
        for slot in slots:  # the batch answers: each image leaves, and a new one takes its place
            slot.__exit__(None, None, None)
        slots = [admission.slot() for _ in range(8)]
        for slot in slots:
            slot.__enter__()
    assert admission.cost_s == pytest.approx(0.01, rel=0.02)
    assert admission.in_flight == 8 and admission.estimated_wait_s() == pytest.approx(0.08, rel=0.02)


def test_beyond_the_bound_it_sheds_with_retry_after_and_counts_it() -> None:
    clock = Clock()
    shed: list[int] = []
    admission = Admission(0.2, service="emotion-service", clock=clock, on_shed=lambda: shed.append(1))
    for _ in range(3):  # measured: 100 ms an image
        with admission.slot():
            clock.now += 0.1
    two = admission.slot(images=2)  # under 0.2 s ahead (the prior still weighs a little): admitted
    two.__enter__()
    with admission.slot():
        pass
    two.__exit__(None, None, None)
    assert shed == []
    big = admission.slot(images=5)  # nothing in flight: admitted whatever its size
    big.__enter__()
    with pytest.raises(Overloaded) as refused, admission.slot():
        pass
    error = refused.value
    assert error.status_code == 503 and error.code == "overloaded"
    assert error.details["estimated_wait_s"] > 0.2 and error.details["max_wait_s"] == 0.2
    assert error.details["service"] == "emotion-service"
    assert error.headers() == {"Retry-After": str(error.retry_after_s), "Connection": "close"}
    assert error.retry_after_s >= 1
    assert shed == [1] and admission.in_flight == 5  # the refused image never entered
    big.__exit__(None, None, None)
    assert admission.in_flight == 0


def test_a_failed_request_leaves_the_queue_too() -> None:
    admission = Admission(1.0, service="emotion-service", clock=Clock())
    with pytest.raises(ValueError), admission.slot(images=3):
        raise ValueError("a corrupt image")
    assert admission.in_flight == 0


def test_retry_after_grows_with_the_callers_refused_in_the_last_second_and_falls_back() -> None:
    clock = Clock()
    admission = Admission(0.2, service="gateway", clock=clock)
    for _ in range(50):  # measured: 50 ms a photo
        with admission.slot():
            clock.now += 0.05
    held = admission.slot(images=5)  # 250 ms of work ahead: beyond the bound
    held.__enter__()

    def refused_after() -> int:
        with pytest.raises(Overloaded) as refused, admission.slot():
            pass
        return refused.value.retry_after_s

    first = refused_after()
    for _ in range(99):  # 100 callers refused within 10 ms: 5 s of their work will come back
        clock.now += 0.0001
        last = refused_after()
    assert first == 1 and last >= 5
    clock.now += 10  # a quiet while later (the work ahead unchanged), one refusal says 1 s again
    assert refused_after() == 1
    held.__exit__(None, None, None)


def test_a_refused_request_gets_its_connection_closed_so_a_caller_back_later_opens_a_new_one() -> None:
    """Over a real socket: the 503 says Connection: close and the server closes at once, instead of
    keeping the connection until its keep-alive timeout, when a returning caller could meet a reset."""
    admission = Admission(0.001, service="test")
    admission.admit(images=50)  # busy: nothing more is admitted
    app = FastAPI()
    app.add_middleware(AdmissionMiddleware, admission=admission, paths=frozenset({"/work"}))
    with serve_in_thread(app) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=3) as conn:
            conn.sendall(b"POST /work HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello")
            received = b""
            while chunk := conn.recv(65536):  # b"" once the server has closed; a timeout fails
                received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 503") and b"connection: close" in head and b"retry-after:" in head

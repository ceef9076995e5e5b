"""The benchmark's raw-socket load generator speaks real HTTP to the real service."""

import asyncio
import time

from support.faces import PORTRAIT, fer_samples
from support.loadgen import run
from support.services import RunningEmotionService


def test_the_load_generator_gets_answers_and_counts_failures(service: RunningEmotionService) -> None:
    _, jpeg = fer_samples(per_class=1)[0]
    result = asyncio.run(run(service.url, jpeg, clients=3, start=time.time(), seconds=1.0))
    assert result["failed"] == 0
    assert len(result["latencies_ms"]) >= 3

    refused = asyncio.run(run(service.url, b"not an image", clients=2, start=time.time(), seconds=0.5))
    assert refused["failed"] >= 2 and refused["latencies_ms"] == []


def test_the_load_generator_counts_overloaded_answers_apart_and_waits_as_told(
    impatient_service: RunningEmotionService,
) -> None:
    photo = PORTRAIT.read_bytes()
    result = asyncio.run(run(impatient_service.url, photo, clients=8, start=time.time(), seconds=1.5))
    assert result["shed"] >= 1 and result["failed"] == 0 and result["latencies_ms"]
    # Each refused client waited its Retry-After (>= 1 s) before asking again: in 1.5 s, at most twice.
    assert result["shed"] <= 2 * 8

"""Bounded queueing over real HTTP: a burst against a service whose wait bound is tiny gets some
answers and, for the rest, 503 `overloaded` with Retry-After, never anything else."""

import asyncio

import httpx

from support.faces import PORTRAIT
from support.services import RunningEmotionService


def metric(text: str, name: str) -> float:
    return float(next(line for line in text.splitlines() if line.startswith(name + " ")).rsplit(" ", 1)[1])


def test_a_burst_beyond_the_bound_is_told_to_retry_and_counted(
    impatient_service: RunningEmotionService,
) -> None:
    photo = PORTRAIT.read_bytes()  # a real photo: decoded and searched in a worker thread

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=impatient_service.url, timeout=60) as client:
            files = {"image": ("p.jpg", photo, "image/jpeg")}
            return await asyncio.gather(*(client.post("/v1/emotions", files=files) for _ in range(16)))

    responses = asyncio.run(burst())
    served = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 503]
    assert served and refused and len(served) + len(refused) == 16
    for response in refused:
        error = response.json()["error"]
        assert error["code"] == "overloaded" and error["details"]["max_wait_s"] == 0.001
        assert int(response.headers["retry-after"]) >= 1
    metrics = httpx.get(f"{impatient_service.url}/metrics").text
    assert metric(metrics, "requests_shed_total") == len(refused)
    assert metric(metrics, "queue_depth_images") == 0  # everything admitted was answered
    # Told to come back, it is served once the queue has drained.
    again = httpx.post(
        f"{impatient_service.url}/v1/emotions", files={"image": ("p.jpg", photo, "image/jpeg")}, timeout=60
    )
    assert again.status_code == 200


def test_a_batch_counts_each_of_its_images(impatient_service: RunningEmotionService) -> None:
    photo = PORTRAIT.read_bytes()
    files = [("images", (f"{i}.jpg", photo, "image/jpeg")) for i in range(4)]

    async def two_batches() -> list[int]:
        async with httpx.AsyncClient(base_url=impatient_service.url, timeout=60) as client:
            responses = await asyncio.gather(
                *(client.post("/v1/emotions/batch", files=files) for _ in range(2))
            )
        return sorted(r.status_code for r in responses)

    # The first batch's 4 images are admitted (nothing was in flight); the second is refused whole.
    assert asyncio.run(two_batches()) == [200, 503]

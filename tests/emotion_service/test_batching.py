import asyncio

import numpy as np

from emotion_service.batching import MicroBatcher


def test_concurrent_requests_get_their_own_rows_from_shared_model_calls() -> None:
    calls: list[int] = []

    def predict(faces: np.ndarray) -> np.ndarray:
        calls.append(len(faces))
        return faces.reshape(len(faces), -1)[:, :1].astype(np.float32) * np.ones((1, 7), np.float32)

    async def scenario() -> list[np.ndarray]:
        batcher = MicroBatcher(predict, max_size=64, max_wait_s=0.01, observe=lambda n, s: None)
        batcher.start()
        requests = [np.full((1 + i % 3, 48, 48), i, dtype=np.uint8) for i in range(12)]
        results = await asyncio.gather(*(batcher.classify(r) for r in requests))
        await batcher.stop()
        return results

    results = asyncio.run(scenario())
    for i, rows in enumerate(results):
        assert rows.shape == (1 + i % 3, 7) and np.all(rows == i)  # each caller gets its own faces back
    assert sum(calls) == sum(1 + i % 3 for i in range(12))
    assert len(calls) < 12  # faces of different requests shared model calls


def test_a_failed_model_call_fails_its_requests_and_the_batcher_keeps_serving() -> None:
    outcomes: list[str] = []

    def predict(faces: np.ndarray) -> np.ndarray:
        if faces[0, 0, 0] == 1:
            raise RuntimeError("boom")
        return np.zeros((len(faces), 7), np.float32)

    async def scenario() -> None:
        batcher = MicroBatcher(predict, max_size=1, max_wait_s=0.0, observe=lambda n, s: None)
        batcher.start()
        for value in (1, 0):
            try:
                await batcher.classify(np.full((1, 48, 48), value, np.uint8))
                outcomes.append("ok")
            except RuntimeError:
                outcomes.append("error")
        await batcher.stop()

    asyncio.run(scenario())
    assert outcomes == ["error", "ok"]

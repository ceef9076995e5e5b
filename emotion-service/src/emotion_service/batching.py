"""Micro-batching: faces from concurrent requests share one model call.

One worker owns the model. It takes every face already queued (up to `max_size`) and runs them
together; while it runs, new requests queue up and form the next batch. A lone request therefore
waits for nothing, and under load batches grow by themselves. Only when the last batch held more
than one request (load is present) does the worker also wait up to `max_wait` for stragglers.
"""

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

log = logging.getLogger(__name__)

Predict = Callable[[np.ndarray], np.ndarray]
Observe = Callable[[int, float], None]  # (faces in the model call, seconds it took)


class MicroBatcher:
    def __init__(self, predict: Predict, *, max_size: int, max_wait_s: float, observe: Observe) -> None:
        self._predict, self._observe = predict, observe
        self.max_size, self.max_wait_s = max_size, max_wait_s
        self._queue: asyncio.Queue[tuple[np.ndarray, asyncio.Future[np.ndarray]]] = asyncio.Queue()
        # One thread owns the model: calls never overlap, and the event loop stays free.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._worker = asyncio.get_running_loop().create_task(self._run(), name="micro-batcher")

    async def stop(self) -> None:
        if self._worker:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        self._executor.shutdown(wait=True)

    async def classify(self, faces: np.ndarray) -> np.ndarray:
        future: asyncio.Future[np.ndarray] = asyncio.get_running_loop().create_future()
        await self._queue.put((faces, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        under_load = False
        while True:
            items = [await self._queue.get()]
            total = len(items[0][0])
            deadline = loop.time() + (self.max_wait_s if under_load else 0.0)
            while total < self.max_size:
                if not self._queue.empty():
                    item = self._queue.get_nowait()
                else:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(self._queue.get(), remaining)
                    except TimeoutError:
                        break
                items.append(item)
                total += len(item[0])
            under_load = len(items) > 1
            await self._dispatch(items, loop)

    async def _dispatch(
        self, items: list[tuple[np.ndarray, asyncio.Future[np.ndarray]]], loop: asyncio.AbstractEventLoop
    ) -> None:
        batch = np.concatenate([faces for faces, _ in items])
        started = loop.time()
        try:
            probabilities = await loop.run_in_executor(self._executor, self._predict, batch)
        except Exception as exc:  # a failed model call fails its requests, never the worker
            log.exception("model call failed for %d faces", len(batch))
            for _, future in items:
                if not future.done():
                    future.set_exception(exc)
            return
        self._observe(len(batch), loop.time() - started)
        offset = 0
        for faces, future in items:
            if not future.done():  # the client may have gone away
                future.set_result(probabilities[offset : offset + len(faces)])
            offset += len(faces)


class DirectClassifier:
    """No batching (for comparison in benchmarks): each request calls the model on its own."""

    def __init__(self, predict: Predict, *, observe: Observe) -> None:
        self._predict, self._observe = predict, observe
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")

    def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._executor.shutdown(wait=True)

    async def classify(self, faces: np.ndarray) -> np.ndarray:
        loop = asyncio.get_running_loop()
        started = loop.time()
        result = await loop.run_in_executor(self._executor, self._predict, faces)
        self._observe(len(faces), loop.time() - started)
        return result

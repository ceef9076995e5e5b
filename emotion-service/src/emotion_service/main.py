"""The emotion-service app: `create_app(settings)`; the model is loaded and warmed up once, at start."""

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import numpy as np
from fastapi import FastAPI, Request
from prometheus_client import Counter, Histogram

from emotion_service.api import emotions
from emotion_service.api.deps import Engine
from emotion_service.batching import DirectClassifier, MicroBatcher
from emotion_service.classifier import EmotionClassifier
from emotion_service.settings import Settings
from moodtune_service_kit.admission import measured_admission
from moodtune_service_kit.app import create_service_app
from moodtune_service_kit.health import Readiness
from moodtune_service_kit.metrics import Metrics
from moodtune_vision.detectors import make_detector

SERVICE = "emotion-service"
log = logging.getLogger(SERVICE)


def freeze_loaded_heap() -> None:
    """Exempt what is loaded by now (TensorFlow, Keras and the model: ~500k objects, kept for the
    process's life) from the cyclic garbage collector. Otherwise every full collection re-scans
    them, with the event loop stopped, every few seconds under load (benchmarks/RESULTS.md)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics(SERVICE)
    inference = Histogram(
        "inference_seconds",
        "model call latency",
        registry=metrics.registry,
        buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0, 2.0),
    )
    batch_sizes = Histogram(
        "inference_batch_faces",
        "faces per model call",
        registry=metrics.registry,
        buckets=(1, 2, 4, 8, 16, 32, 64, 128),
    )
    faces_total = Counter("faces_classified_total", "faces classified", registry=metrics.registry)

    admission = measured_admission(
        settings.max_queue_wait_s, service=SERVICE, registry=metrics.registry, unit="images"
    )

    def observe(faces: int, seconds: float) -> None:
        inference.observe(seconds)
        batch_sizes.observe(faces)
        faces_total.inc(faces)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Where start-up goes, phase by phase (seconds; in /readyz and the log).
        phases: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            phases[name] = round(now - clock, 2)
            clock = now

        classifier = await asyncio.to_thread(
            lambda: EmotionClassifier.load(
                settings.model_path, runtime=settings.runtime, litert_cache_dir=settings.litert_cache_dir
            )
        )
        lap("load_model")
        classifier.choose_flip_average(settings.flip_average)
        warm_sizes = tuple(sorted({1, 2, 4, settings.batch_max_size}))
        timed_sizes = tuple(sorted({1, 4, 8, 16, settings.batch_max_size}))
        if settings.precision != "auto":
            await asyncio.to_thread(classifier.choose_precision, settings.precision, timed_sizes)
            lap("choose_precision")
        await asyncio.to_thread(classifier.warm_up, warm_sizes)
        lap("warm_up")
        detector = make_detector(settings.face_detector)
        # Load the detector's models now, not on a request (MTCNN's too, in a chain that has it: the
        # first photo BlazeFace finds no face in would otherwise wait for TensorFlow to load).
        await asyncio.to_thread(detector.detect, np.zeros((64, 64), dtype=np.uint8))
        lap("load_detector")
        batcher: MicroBatcher | DirectClassifier
        if settings.micro_batching:
            batcher = MicroBatcher(
                classifier.predict,
                max_size=settings.batch_max_size,
                max_wait_s=settings.batch_max_wait_ms / 1000,
                observe=observe,
            )
        else:
            batcher = DirectClassifier(classifier.predict, observe=observe)
        batcher.start()
        freeze_loaded_heap()
        lap("start_batcher")
        app.state.startup_seconds = phases
        app.state.engine = Engine(
            classifier=classifier, batcher=batcher, detector=detector, settings=settings, admission=admission
        )
        log.info(
            "model %s on %s (%s), detector %s, ready after %.1fs: %s",
            classifier.version,
            classifier.device,
            classifier.runtime.reason,
            detector.name,
            sum(phases.values()),
            phases,
        )
        # `auto` is decided once the service is ready: timing float32 against bfloat16 takes a while
        # (each precision traced per batch size), so the service answers in float32 meanwhile
        # and switches when the measurement says so (/readyz shows which, and why).
        measuring = None
        if settings.precision == "auto":
            measuring = asyncio.create_task(
                asyncio.to_thread(classifier.choose_precision, "auto", timed_sizes)
            )
        yield
        app.state.engine = None
        if measuring is not None and not measuring.done():
            await asyncio.wait([measuring], timeout=60)  # a thread cannot be cancelled: let it end
        await batcher.stop()

    async def readiness(request: Request) -> Readiness:
        engine: Engine | None = request.app.state.engine
        if engine is None:
            return Readiness(ready=False, service=SERVICE)
        details = {
            "model": engine.classifier.version,
            "device": engine.classifier.device,
            "runtime": engine.classifier.runtime.model_dump(),
            "detector": engine.detector.name,
            "precision": engine.classifier.precision.model_dump(),
            "startup_seconds": request.app.state.startup_seconds,
        }
        return Readiness(ready=True, service=SERVICE, details=details)

    app = create_service_app(
        service=SERVICE,
        title="Moodtune emotion-service",
        description="Finds the faces in an image, crops them as FER2013 faces are cropped, and classifies "
        "the 7 FER2013 emotions with a ResNet50V2.",
        log_level=settings.log_level,
        metrics=metrics,
        readiness=readiness,
        routers=[emotions.router],
        lifespan=lifespan,
        max_body_bytes=settings.max_request_bytes,
        body_timeout_s=settings.body_timeout_s,
    )
    app.state.settings = settings
    app.state.engine = None
    return app

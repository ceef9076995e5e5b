"""The shipped model's CPU forward time, measured on this machine and recorded in its card: the
serving budget is stated per machine (batch 1), and a card says what it was measured on."""

import logging
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np

from moodtune_contracts.model_card import ModelCard, ServingSpeed, card_path
from moodtune_vision.crop import FACE_SIZE
from training.emotion.export import write_card
from training.emotion.machine import cpu_name

log = logging.getLogger(__name__)


def median_call_ms(call: Callable[[], object], *, calls: int, warm_up: int = 0) -> float:
    """Median ms of `calls` timed calls, after `warm_up` untimed ones."""
    for _ in range(warm_up):
        call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def measure(model: keras.Model, *, calls: int) -> ServingSpeed:
    """p50 of `calls` batch-1 forward passes after warm-up, and faces/s in batches of 32."""
    rng = np.random.default_rng(0)
    one = rng.integers(0, 256, (1, FACE_SIZE, FACE_SIZE, 1)).astype(np.float32)
    many = rng.integers(0, 256, (32, FACE_SIZE, FACE_SIZE, 1)).astype(np.float32)
    for batch in (one, many, one):  # trace both shapes first
        model.predict_on_batch(batch)
    batch_1_ms = median_call_ms(lambda: model.predict_on_batch(one), calls=calls)
    started = time.perf_counter()
    rounds = max(3, calls // 20)
    for _ in range(rounds):
        model.predict_on_batch(many)
    faces_per_s = rounds * 32 / (time.perf_counter() - started)
    return ServingSpeed(
        machine=f"{cpu_name()}, {os.cpu_count()} CPUs ({keras.backend.backend()})",
        batch_1_ms_p50=batch_1_ms,
        batch_32_faces_per_s=round(faces_per_s, 1),
        precision=keras.mixed_precision.global_policy().name,
    )


def record_speed(*, model_path: Path, calls: int) -> ModelCard:
    path = card_path(model_path)
    card = ModelCard.model_validate_json(path.read_bytes())
    card.serving = measure(keras.models.load_model(model_path, compile=False), calls=calls)
    write_card(card, path.parent)
    log.info("%s: %.1f ms at batch 1 on %s", card.version, card.serving.batch_1_ms_p50, card.serving.machine)
    return card

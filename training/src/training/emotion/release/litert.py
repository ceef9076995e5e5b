"""The model's LiteRT files, measured onto its card: each precision derived as the service derives it,
read on PublicTest as served (flip averaging as the card says) and timed; the fastest whose accuracy is
within MAX_ACCURACY_LOSS of the Keras model's is the one a CPU serves."""

import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from moodtune_contracts.model_card import LITERT_MAX_ACCURACY_LOSS as MAX_ACCURACY_LOSS
from moodtune_contracts.model_card import LiteRTServing, LiteRTVariant, ModelCard, SplitMetrics, card_path
from moodtune_vision.crop import FACE_SIZE
from moodtune_vision.litert import LITERT_PRECISIONS, LiteRTClassifier, LiteRTPrecision, convert
from training.emotion.data import load_fer
from training.emotion.evaluate import metrics, predict
from training.emotion.export import write_card
from training.emotion.machine import cpu_name
from training.emotion.release.speed import median_call_ms

log = logging.getLogger(__name__)

TIMED_BATCHES = (1, 2)  # one face, and one face with its mirror (flip averaging)


def time_calls(classifier: LiteRTClassifier, *, faces: int, calls: int) -> float:
    """Median ms of `calls` calls of `faces` faces, after warm-up."""
    batch = np.random.default_rng(0).integers(0, 256, (faces, FACE_SIZE, FACE_SIZE, 1)).astype(np.float32)
    return median_call_ms(lambda: classifier.predict_on_batch(batch), calls=calls, warm_up=5)


def measure_variant(
    model_path: Path,
    precision: LiteRTPrecision,
    *,
    faces: np.ndarray,
    labels: np.ndarray,
    flip: bool,
    calls: int,
) -> LiteRTVariant:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"model-{precision}.tflite"
        sha256 = convert(model_path, path, precision)
        classifier = LiteRTClassifier(path)
        scored = SplitMetrics.model_validate(metrics(labels, predict(classifier, faces, tta=flip)))
        timings = {str(n): time_calls(classifier, faces=n, calls=calls) for n in TIMED_BATCHES}
        return LiteRTVariant(
            precision=precision,
            sha256=sha256,
            size_bytes=path.stat().st_size,
            val=scored,
            ms_per_call=timings,
        )


def choose(card: ModelCard, variants: list[LiteRTVariant]) -> tuple[str, str]:
    """The fastest variant (at the batch size served) within the accuracy limit, and why."""
    reference = card.metrics.val.accuracy
    served_batch = "2" if card.flip_average else "1"
    eligible = [v for v in variants if reference - v.val.accuracy <= MAX_ACCURACY_LOSS]
    if not eligible:
        raise ValueError(
            f"no LiteRT file reads PublicTest within {MAX_ACCURACY_LOSS:.1%} of Keras's {reference:.2%}"
        )
    best = min(eligible, key=lambda v: v.ms_per_call[served_batch])
    ms = best.ms_per_call[served_batch]
    reason = (
        f"{best.precision}: the fastest at {served_batch} face(s) a call ({ms} ms) "
        f"of those reading PublicTest within {100 * MAX_ACCURACY_LOSS:.1f} points of Keras "
        f"({best.val.accuracy:.2%} against {reference:.2%})"
    )
    return best.precision, reason


def record_litert(*, model_path: Path, data: Path, cache_dir: Path | None, calls: int = 100) -> ModelCard:
    path = card_path(model_path)
    card = ModelCard.model_validate_json(path.read_bytes())
    fer = load_fer(data, cache_dir=cache_dir)
    variants = [
        measure_variant(
            model_path, precision, faces=fer.val.x, labels=fer.val.y, flip=card.flip_average, calls=calls
        )
        for precision in LITERT_PRECISIONS
    ]
    chosen, reason = choose(card, variants)
    card.litert = LiteRTServing(
        chosen=chosen,
        reason=reason,
        tensorflow_version=tf.__version__,
        machine=f"{cpu_name()}, {os.cpu_count()} CPUs",
        variants=variants,
    )
    write_card(card, path.parent)
    log.info("%s: LiteRT %s (%s)", card.version, chosen, reason)
    return card

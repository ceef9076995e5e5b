"""The emotion model: loaded once with its card, checked against the label contract, warmed up, and run
by the runtime that serves it best here: on CPUs the LiteRT file derived from it (the precision its
card chose by measured accuracy and speed), on GPUs Keras, in float32 or bfloat16 per batch size.

Keras (and with it TensorFlow) is imported only when Keras serves: a CPU service on LiteRT starts in
a fraction of the time and memory.
"""

import logging
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from emotion_service.errors import ModelError
from moodtune_contracts.emotions import EMOTION_LABELS, EMOTIONS
from moodtune_contracts.model_card import LITERT_MAX_ACCURACY_LOSS, ModelCard, card_path
from moodtune_vision.crop import FACE_SIZE
from moodtune_vision.litert import (
    LiteRTClassifier,
    LiteRTError,
    cache_beside,
    derive,
    file_sha256,
)
from moodtune_vision.precision import cpu_has_amx, with_precision
from moodtune_vision.views import average_mirrors, with_mirrors

# bfloat16 serves only if it reads PublicTest within this of float32 (the card's measurement).
BFLOAT16_MAX_ACCURACY_LOSS = 0.002
PrecisionSetting = Literal["auto", "float32", "bfloat16"]
FlipAverageSetting = Literal["auto", "on", "off"]
RuntimeSetting = Literal["auto", "litert", "keras"]
NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")

log = logging.getLogger(__name__)


def gpu_present(gpus: Path = NVIDIA_GPUS) -> bool:
    """Whether the machine has an NVIDIA GPU, asked of the driver, not of TensorFlow (not loaded yet)."""
    try:
        return any(gpus.iterdir())
    except OSError:
        return False


def compute_device() -> str:
    """Where Keras inference runs: the first GPU TensorFlow sees, otherwise the CPU."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return f"{keras.backend.backend()} default device"
    import tensorflow as tf  # the serving backend; only asked which devices exist

    gpus = tf.config.list_physical_devices("GPU")
    return f"GPU ({gpus[0].name})" if gpus else "CPU"


class ServingRuntime(BaseModel):
    """What runs the model, in which precision, and why (shown in /readyz and /v1/model)."""

    runtime: Literal["litert", "keras"]
    precision: str = Field(description="LiteRT: float32 or dynamic_int8 weights; Keras: see `precision`")
    file: str | None = Field(None, description="the LiteRT file, derived from the model and cached")
    reason: str


def read_card(path: Path) -> ModelCard:
    if not path.is_file():
        raise ModelError(f"{path}: no model file")
    card_file = card_path(path)
    if not card_file.is_file():
        raise ModelError(f"{card_file}: the model's card is missing")
    try:
        card = ModelCard.model_validate_json(card_file.read_bytes())
    except ValidationError as exc:
        raise ModelError(f"{card_file}: not a model card this service can use ({exc})") from exc
    if not card.labels_match():
        raise ModelError(f"{path}: labels {card.labels} differ from the project's {list(EMOTION_LABELS)}")
    return card


def check_shapes(path: Path, input_shape: tuple[Any, ...], classes: int) -> None:
    if tuple(input_shape[1:]) != (FACE_SIZE, FACE_SIZE, 1) or classes != len(EMOTIONS):
        raise ModelError(
            f"{path}: takes {input_shape} and gives {classes} classes; "
            f"expected (None, {FACE_SIZE}, {FACE_SIZE}, 1) -> {len(EMOTIONS)}"
        )


def load_litert(path: Path, card: ModelCard, cache_dir: Path) -> tuple[LiteRTClassifier, ServingRuntime]:
    """The LiteRT file the card chose, derived (or taken from the cache) and checked against the card:
    its bytes are the ones measured, and they read PublicTest within LITERT_MAX_ACCURACY_LOSS."""
    if card.litert is None:
        raise LiteRTError("the model card has no LiteRT measurement (python -m training.emotion litert)")
    chosen = card.litert.variant(card.litert.chosen)
    if chosen is None:
        raise LiteRTError(f"the card chose {card.litert.chosen!r} but measured no such file")
    loss = card.metrics.val.accuracy - chosen.val.accuracy
    if loss > LITERT_MAX_ACCURACY_LOSS:
        raise LiteRTError(
            f"LiteRT {chosen.precision} reads PublicTest {100 * loss:.2f} points below Keras (limit "
            f"{100 * LITERT_MAX_ACCURACY_LOSS:.1f})"
        )
    file = derive(path, model_sha256=file_sha256(path), precision=chosen.precision, cache_dir=cache_dir)
    if (sha := file_sha256(file)) != chosen.sha256:
        raise LiteRTError(
            f"{file.name} (sha256 {sha[:12]}) is not the file the card measured ({chosen.sha256[:12]}): "
            f"another converter than TensorFlow {card.litert.tensorflow_version}'s?"
        )
    runner = LiteRTClassifier(file)
    check_shapes(path, runner.input_shape, runner.output_classes)
    return runner, ServingRuntime(
        runtime="litert",
        precision=chosen.precision,
        file=file.name,
        reason=f"CPU: LiteRT {chosen.precision}, PublicTest {chosen.val.accuracy:.2%} as served "
        f"(Keras {card.metrics.val.accuracy:.2%})",
    )


def load_keras(path: Path) -> Any:
    import keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # keras raises many types for a broken file
        raise ModelError(f"{path}: cannot load the model ({exc})") from exc
    check_shapes(path, tuple(model.input_shape), model.output_shape[-1])
    return model


class ServingPrecision(BaseModel):
    """What the classifier computes in, and why (shown in /readyz and /v1/model)."""

    bfloat16_from_batch: int | None = Field(
        description="batches of this many faces or more run in bfloat16, smaller ones in float32; "
        "null: float32 for every batch"
    )
    reason: str
    timings_ms: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="measured at start-up: batch size -> precision -> ms per call"
    )


@dataclass
class EmotionClassifier:
    card: ModelCard
    device: str
    runtime: ServingRuntime
    model: Any = None  # the Keras model, when Keras serves
    litert: LiteRTClassifier | None = None  # the LiteRT classifier, when LiteRT serves
    bfloat16: Any = None  # a bfloat16 copy of the Keras model, for batches >= bfloat16_from
    bfloat16_from: int | None = None
    # Each face read with its mirror image in the same model call, the two answers averaged.
    flip_average: bool = False
    precision: ServingPrecision = field(
        default_factory=lambda: ServingPrecision(
            bfloat16_from_batch=None, reason="float32 until the precision is chosen (measured after start-up)"
        )
    )

    @classmethod
    def load(
        cls, path: Path, *, runtime: RuntimeSetting = "auto", litert_cache_dir: Path | None = None
    ) -> "EmotionClassifier":
        """`auto`: LiteRT on a CPU when the card measured a file good enough, else Keras (loudly);
        Keras on a GPU. `litert` refuses to start without a usable LiteRT file; `keras` never uses one."""
        card = read_card(path)
        if runtime == "litert" or (runtime == "auto" and not gpu_present()):
            try:
                runner, serving = load_litert(path, card, litert_cache_dir or cache_beside(path))
                return cls(card=card, device="CPU", runtime=serving, litert=runner)
            except LiteRTError as exc:
                if runtime == "litert":
                    raise ModelError(f"{path}: cannot serve on LiteRT ({exc})") from exc
                log.warning("NOT serving on LiteRT, falling back to Keras (slower, more memory): %s", exc)
                reason = f"Keras: LiteRT cannot serve this model ({exc})"
        else:
            reason = "Keras: set by EMOTION_RUNTIME" if runtime == "keras" else "Keras: a GPU is present"
        model = load_keras(path)
        serving = ServingRuntime(runtime="keras", precision="float32", reason=reason)
        return cls(card=card, device=compute_device(), runtime=serving, model=model)

    def choose_flip_average(self, setting: FlipAverageSetting) -> bool:
        """`auto`: as the card says the model is served (its PublicTest `val` was read that way)."""
        self.flip_average = self.card.flip_average if setting == "auto" else setting == "on"
        log.info(
            "flip averaging: %s (EMOTION_FLIP_AVERAGE=%s)", "on" if self.flip_average else "off", setting
        )
        return self.flip_average

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def version(self) -> str:
        return self.card.version

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """(n, 48, 48) uint8 grey faces -> (n, 7) probabilities. Blocking: call off the event loop."""
        batch = faces.astype(np.float32)[..., None]
        if self.flip_average:
            batch = with_mirrors(batch)
        if self.litert is not None:
            probabilities = self.litert.predict_on_batch(batch)
            return average_mirrors(probabilities) if self.flip_average else probabilities
        # Read once: the precision may be chosen on another thread while the service answers.
        bfloat16, start = self.bfloat16, self.bfloat16_from
        model = bfloat16 if bfloat16 is not None and start is not None and len(batch) >= start else self.model
        probabilities = np.asarray(model.predict_on_batch(batch), dtype=np.float32)
        return average_mirrors(probabilities) if self.flip_average else probabilities

    def warm_up(self, batch_sizes: tuple[int, ...]) -> float:
        """Trace the model for the batch sizes it will see, so first requests are not slow."""
        started = time.perf_counter()
        for size in batch_sizes:
            self.predict(np.zeros((size, FACE_SIZE, FACE_SIZE), dtype=np.uint8))
        return time.perf_counter() - started

    def choose_precision(self, setting: PrecisionSetting, batch_sizes: tuple[int, ...]) -> ServingPrecision:
        """float32, or bfloat16 for the batch sizes where it is measured faster here.

        `auto` tries bfloat16 only where it can pay (a GPU, or a CPU with AMX) and only if the card
        says it reads PublicTest within BFLOAT16_MAX_ACCURACY_LOSS of float32; then both are timed
        on each batch size, and bfloat16 serves from the smallest size from which it is faster at
        every larger size: on a CPU with AMX it can be slower at small batches and faster at large
        ones (benchmarks/RESULTS.md). `bfloat16` forces it for every batch; `float32` never.
        """
        if self.litert is not None:
            return self._set_precision(None, f"LiteRT {self.runtime.precision}: bfloat16 is for Keras only")
        if setting == "float32":
            return self._set_precision(None, "float32: set by EMOTION_PRECISION")
        loss = self._bfloat16_accuracy_loss()
        if setting == "auto":
            if not (self.device.startswith("GPU") or cpu_has_amx()):
                return self._set_precision(
                    None, "float32: no GPU and no AMX on this CPU, bfloat16 would be slower"
                )
            if loss is None:
                return self._set_precision(None, "float32: the model card has no bfloat16 accuracy")
            if loss > BFLOAT16_MAX_ACCURACY_LOSS:
                return self._set_precision(
                    None, f"float32: bfloat16 reads PublicTest {100 * loss:.2f} points lower (limit 0.2)"
                )
        copy = with_precision(self.model, "bfloat16")
        if setting == "bfloat16":
            self.bfloat16 = copy
            return self._set_precision(1, "bfloat16: set by EMOTION_PRECISION")
        timings = {size: self._time_both(size, copy) for size in sorted(batch_sizes)}
        start = None
        for size in sorted(timings, reverse=True):
            if timings[size]["bfloat16"] < timings[size]["float32"]:
                start = size
            else:
                break
        reason = (
            f"bfloat16 from batch {start} (measured faster; PublicTest {100 * (loss or 0):.2f} points lower)"
            if start
            else "float32: bfloat16 measured no faster at any batch size"
        )
        if start is not None:
            self.bfloat16 = copy  # before bfloat16_from (set next): predict() needs both
        return self._set_precision(start, reason, timings)

    def _bfloat16_accuracy_loss(self) -> float | None:
        bf16 = self.card.metrics.val_bfloat16_accuracy
        # Like with like: bfloat16 is read one pass; older cards have only `val` (one pass then).
        float32 = self.card.metrics.val_one_pass or self.card.metrics.val
        return None if bf16 is None else float32.accuracy - bf16

    def _time_both(self, size: int, bfloat16: Any, calls: int = 5) -> dict[str, float]:
        batch = np.zeros((size, FACE_SIZE, FACE_SIZE, 1), dtype=np.float32)
        result = {}
        for name, model in (("float32", self.model), ("bfloat16", bfloat16)):
            model.predict_on_batch(batch)  # trace first
            samples = []
            for _ in range(calls):
                started = time.perf_counter()
                model.predict_on_batch(batch)
                samples.append((time.perf_counter() - started) * 1000)
            result[name] = round(statistics.median(samples), 2)
        return result

    def _set_precision(
        self, bfloat16_from: int | None, reason: str, timings: dict[int, dict[str, float]] | None = None
    ) -> ServingPrecision:
        self.bfloat16_from = bfloat16_from
        if bfloat16_from is None:
            self.bfloat16 = None  # after bfloat16_from: predict() never sees one without the other
        self.precision = ServingPrecision(
            bfloat16_from_batch=bfloat16_from,
            reason=reason,
            timings_ms={str(k): v for k, v in (timings or {}).items()},
        )
        log.info("precision: %s", reason)
        return self.precision

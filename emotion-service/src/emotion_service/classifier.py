"""The emotion model: loaded once with its card, checked against the label contract, warmed up."""

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from pydantic import ValidationError

from emotion_service.errors import ModelError
from moodtune_contracts.emotions import EMOTION_LABELS, EMOTIONS
from moodtune_contracts.model_card import ModelCard, card_path
from moodtune_vision.crop import FACE_SIZE

log = logging.getLogger(__name__)


def compute_device() -> str:
    """Where inference runs: the first GPU TensorFlow sees, otherwise the CPU."""
    if keras.backend.backend() != "tensorflow":
        return f"{keras.backend.backend()} default device"
    import tensorflow as tf  # the serving backend; only asked which devices exist

    gpus = tf.config.list_physical_devices("GPU")
    return f"GPU ({gpus[0].name})" if gpus else "CPU"


@dataclass
class EmotionClassifier:
    model: keras.Model
    card: ModelCard
    device: str

    @classmethod
    def load(cls, path: Path) -> "EmotionClassifier":
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
        try:
            model = keras.models.load_model(path, compile=False)
        except Exception as exc:  # keras raises many types for a broken file
            raise ModelError(f"{path}: cannot load the model ({exc})") from exc
        if tuple(model.input_shape[1:]) != (FACE_SIZE, FACE_SIZE, 1) or model.output_shape[-1] != len(
            EMOTIONS
        ):
            raise ModelError(
                f"{path}: takes {model.input_shape} and gives {model.output_shape}; "
                f"expected (None, {FACE_SIZE}, {FACE_SIZE}, 1) -> (None, {len(EMOTIONS)})"
            )
        return cls(model=model, card=card, device=compute_device())

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def version(self) -> str:
        return self.card.version

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """(n, 48, 48) uint8 grey faces -> (n, 7) probabilities. Blocking: call off the event loop."""
        batch = faces.astype(np.float32)[..., None]
        return np.asarray(self.model.predict_on_batch(batch), dtype=np.float32)

    def warm_up(self, batch_sizes: tuple[int, ...]) -> float:
        """Trace the model for the batch sizes it will see, so first requests are not slow."""
        started = time.perf_counter()
        for size in batch_sizes:
            self.predict(np.zeros((size, FACE_SIZE, FACE_SIZE), dtype=np.uint8))
        return time.perf_counter() - started

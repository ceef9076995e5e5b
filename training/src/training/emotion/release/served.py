"""PublicTest read as the emotion-service reads it: one pass or flip averaging, as the card says.

`versus` compares a candidate with the shipped model by the ship rule (`paired`).
"""

import json
from pathlib import Path

import keras
import numpy as np

from moodtune_contracts.model_card import ModelCard, card_path
from training.emotion.data import load_fer
from training.emotion.evaluate import predict
from training.emotion.release.paired import compare


def served_probabilities(model_path: Path, faces: np.ndarray) -> tuple[np.ndarray, bool]:
    """The model's probabilities for uint8 faces as served, and whether that is flip averaging."""
    card = ModelCard.model_validate_json(card_path(model_path).read_bytes())
    model = keras.models.load_model(model_path, compile=False)
    return predict(model, faces, tta=card.flip_average), card.flip_average


def versus(
    *, candidate: Path, shipped: Path, data: Path, cache_dir: Path | None, out: Path | None
) -> dict[str, object]:
    fer = load_fer(data, cache_dir=cache_dir)
    y = fer.val.y
    ours, ours_flips = served_probabilities(candidate, fer.val.x)
    theirs, theirs_flips = served_probabilities(shipped, fer.val.x)
    result = {
        "candidate": str(candidate),
        "shipped": str(shipped),
        "candidate_flip_average": ours_flips,
        "shipped_flip_average": theirs_flips,
        **compare(y, ours.argmax(axis=1), theirs.argmax(axis=1)).as_dict(),
    }
    if out:
        out.write_text(json.dumps(result, indent=2) + "\n")
    return result

"""PublicTest read as the emotion-service reads it: one pass or flip averaging, as the card says.

`versus` compares a candidate with the shipped model by the ship rule (`paired`); `balance_grid`
shows what logit adjustment on the training prior (`prior`) would do to a model's answers.
"""

import json
from pathlib import Path

import keras
import numpy as np

from moodtune_contracts.emotions import EMOTION_LABELS
from moodtune_contracts.model_card import ModelCard, card_path
from training.emotion.data import load_fer
from training.emotion.evaluate import metrics, predict
from training.emotion.paired import compare
from training.emotion.prior import adjust, class_prior


def served_probabilities(model_path: Path, faces: np.ndarray) -> tuple[np.ndarray, bool]:
    """The model's probabilities for uint8 faces as served, and whether that is flip averaging."""
    card = ModelCard.model_validate_json(card_path(model_path).read_bytes())
    model = keras.models.load_model(model_path, compile=False)
    return predict(model, faces, tta=card.flip_average), card.flip_average


def versus(
    *, candidate: Path, shipped: Path, data: Path, cache_dir: Path, out: Path | None
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


def balance_grid(*, model: Path, data: Path, cache_dir: Path, taus: list[float]) -> str:
    """A markdown table: tau -> accuracy, macro-F1, per-class recall, one pass and with flips."""
    fer = load_fer(data, cache_dir=cache_dir)
    keras_model = keras.models.load_model(model, compile=False)
    prior = class_prior(fer.train.y)
    rows = [
        "| views | tau | accuracy | macro-F1 | "
        + " | ".join(f"{label} recall" for label in EMOTION_LABELS)
        + " |",
        "|---|---:|---:|---:|" + "---:|" * len(EMOTION_LABELS),
    ]
    for views, tta in (("one pass", False), ("flip average", True)):
        probabilities = predict(keras_model, fer.val.x, tta=tta)
        for tau in taus:
            scored = metrics(fer.val.y, adjust(probabilities, prior, tau))
            recalls = " | ".join(f"{m['recall']:.3f}" for m in scored["per_class"].values())
            rows.append(
                f"| {views} | {tau:g} | {scored['accuracy']:.2%} | {scored['macro_f1']:.4f} | {recalls} |"
            )
    return "\n".join(rows)

"""Emotion models in the real artifact format (file + typed card) for tests: exported by the
training job's own `export`, with a card that says honestly what they are (untrained, scored on the
committed fixture faces)."""

from dataclasses import asdict
from pathlib import Path
from typing import Any

import keras

from support.faces import FER_FIXTURE


def run_card(
    arch: str, classifier: keras.Model, *, name: str | None = None, **changes: Any
) -> dict[str, Any]:
    """What the training job records about a run, for a model that was not trained (tests)."""
    from training.emotion.config import recipe_for, with_overrides
    from training.emotion.data import load_fer
    from training.emotion.evaluate import evaluate_split

    faces = load_fer(FER_FIXTURE)
    card: dict[str, Any] = {
        "architecture": arch,
        "preset": "study",
        "recipe": asdict(with_overrides(recipe_for("study", arch), input_size=48)),
        "weights_init": "none",
        "epochs_trained": 0,
        "best_epoch": 0,
        "data": {
            "source": str(FER_FIXTURE),
            "sha256": faces.sha256,
            "counts": {split: faces.splits[split].counts() for split in faces.splits},
        },
        "training": {
            "seconds": 0.0,
            "images_per_second": 0.0,
            "backend": keras.backend.backend(),
            "precision": "float32",
            "machine": "tests",
        },
        "metrics": {"val": evaluate_split(classifier, faces.val, tta=False)},
        "commit": "tests",
        "command": "support.models (an untrained model for tests)",
        **changes,
    }
    if name:
        card["name"] = name
    return card


def export_untrained(arch: str, out: Path, *, name: str, input_size: int = 48, litert: bool = False) -> Path:
    """A freshly initialised classifier, exported as the training job exports a trained one; with
    `litert`, its LiteRT files measured onto its card as the release tools do (on the fixture faces)."""
    from training.emotion.export import export
    from training.emotion.models import build_classifier

    classifier = build_classifier(arch=arch, input_size=input_size)
    path, _ = export(classifier, out=out, card=run_card(arch, classifier, name=name))
    if litert:
        from training.emotion.release.litert import record_litert

        record_litert(model_path=path, data=FER_FIXTURE, cache_dir=None, calls=3)
    return path

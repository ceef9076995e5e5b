"""Emotion models in the real artifact format (file + typed card) for tests: exported by the
training job's own `export`, with a card that says honestly what they are (untrained, scored on the
committed fixture faces)."""

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras

from support.faces import FER_FIXTURE

if TYPE_CHECKING:
    from moodtune_contracts.model_card import Metrics
    from training.emotion.export import Provenance


def untrained_provenance(arch: str, *, name: str | None = None, **changes: Any) -> "Provenance":
    """What the training job records about a run, for a model that was not trained (tests)."""
    from moodtune_contracts.model_card import TrainingRun
    from training.emotion.config import recipe_for, with_overrides
    from training.emotion.data import load_fer
    from training.emotion.export import Provenance, data_info

    made = Provenance(
        architecture=arch,
        preset="study",
        recipe=with_overrides(recipe_for("study", arch), input_size=48),
        weights_init="none",
        epochs_trained=0,
        best_epoch=0,
        data=data_info(load_fer(FER_FIXTURE)),
        training=TrainingRun(
            seconds=0.0,
            images_per_second=0.0,
            backend=keras.backend.backend(),
            precision="float32",
            machine="tests",
        ),
        commit="tests",
        command="support.models (an untrained model for tests)",
        name=name,
    )
    return replace(made, **changes)


def fixture_metrics(classifier: keras.Model) -> "Metrics":
    """The classifier's scores on the committed fixture's PublicTest faces, one pass."""
    from moodtune_contracts.model_card import Metrics
    from training.emotion.data import load_fer
    from training.emotion.evaluate import evaluate_split

    return Metrics.model_validate({"val": evaluate_split(classifier, load_fer(FER_FIXTURE).val, tta=False)})


def export_untrained(arch: str, out: Path, *, name: str, input_size: int = 48, litert: bool = False) -> Path:
    """A freshly initialised classifier, exported as the training job exports a trained one; with
    `litert`, its LiteRT files measured onto its card as the release tools do (on the fixture faces)."""
    from training.emotion.export import export
    from training.emotion.models import build_classifier

    classifier = build_classifier(arch=arch, input_size=input_size)
    made = untrained_provenance(arch, name=name)
    path, _ = export(classifier, out=out, made=made, metrics=fixture_metrics(classifier))
    if litert:
        from training.emotion.release.litert import record_litert

        record_litert(model_path=path, data=FER_FIXTURE, cache_dir=None, calls=3)
    return path

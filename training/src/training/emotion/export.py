"""The artifact the emotion-service loads: one .keras file (weights stored as float16) and its card,
the typed `ModelCard`, made here only: from the run's `Provenance`, the saved file and its scores.

Weights are stored in float16 to halve the file; Keras casts them back to float32 variables at load,
so inference runs in float32 and the card reports accuracy both ways to show it holds.
"""

import io
import logging
import subprocess
import zipfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import h5py
import keras
import numpy as np

from moodtune_contracts.emotions import EMOTION_LABELS
from moodtune_contracts.model_card import DataInfo, InputContract, Metrics, ModelCard, TrainingRun
from moodtune_vision.crop import FACE_SIZE
from moodtune_vision.detectors import DEFAULT_DETECTOR, DETECTORS, make_detector
from moodtune_vision.precision import with_precision
from training.emotion import card as card_md
from training.emotion.data import FerData
from training.emotion.evaluate import evaluate_split, plot_confusion
from training.emotion.layout import CARD_FILE, CONFUSION, METRICS, MODEL_FILE, artifact_of
from training.emotion.recipe import Recipe
from training.files import file_sha256

log = logging.getLogger(__name__)
_WEIGHTS_ENTRY = "model.weights.h5"


@dataclass(frozen=True)
class Provenance:
    """How a model was made, as its card tells it: what only the run knows, each field the card's of
    that name. The rest of the card comes from the saved file and its scores (`model_card`)."""

    architecture: str
    preset: str
    recipe: Recipe  # its `tta`: whether the model is served with flip averaging
    weights_init: str
    epochs_trained: int
    best_epoch: int
    data: DataInfo
    training: TrainingRun
    commit: str
    command: str
    warm_start: str | None = None  # the saved model the run started from, as `describe` names it
    name: str | None = None  # default: `<architecture>-fer2013`

    def card_fields(self) -> dict[str, Any]:
        """The card's fields this record fills: each as it is, but the recipe as JSON and what it
        says of serving (flip averaging when it reads each face with its mirror)."""
        recorded = {field.name: getattr(self, field.name) for field in fields(self) if field.name != "name"}
        return {**recorded, "recipe": asdict(self.recipe), "flip_average": self.recipe.tta}


def data_info(data: FerData) -> DataInfo:
    return DataInfo(
        source=data.source,
        sha256=data.sha256,
        counts={name: split.counts() for name, split in data.splits.items()},
        extension=data.extension,
    )


def store_weights_as_float16(path: Path) -> None:
    """Rewrite a .keras file's float32 weight arrays as float16, in place."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    source, target = io.BytesIO(entries[_WEIGHTS_ENTRY]), io.BytesIO()
    with h5py.File(source, "r") as src, h5py.File(target, "w") as dst:

        def copy(name: str, node: h5py.HLObject) -> None:
            if isinstance(node, h5py.Dataset):
                data = node[()]
                if isinstance(data, np.ndarray) and data.dtype == np.float32:
                    data = data.astype(np.float16)
                dst.create_dataset(name, data=data)
            else:
                dst.require_group(name)
            for key, value in node.attrs.items():
                dst[name].attrs[key] = value

        for key, value in src.attrs.items():
            dst.attrs[key] = value
        src.visititems(copy)
    entries[_WEIGHTS_ENTRY] = target.getvalue()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def git_commit(repo: Path) -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def input_contract() -> InputContract:
    return InputContract.model_validate(
        {
            "shape": [None, FACE_SIZE, FACE_SIZE, 1],
            "dtype": "float32",
            "value_range": [0, 255],
            "colour": "grey",
            "face_crop": {
                "implementation": "moodtune_vision (extract_faces / fer_crop)",
                "size": FACE_SIZE,
                "framing": {name: asdict(make_detector(name).framing) for name in DETECTORS},
                "detector": (
                    f"{DEFAULT_DETECTOR} by default (EMOTION_FACE_DETECTOR); a tight crop is used whole"
                ),
            },
            "inside_the_model": "rescaling, resizing to the backbone's input size, grey to 3 channels",
        }
    )


def export(
    classifier: keras.Model, *, out: Path, made: Provenance, metrics: Metrics
) -> tuple[Path, ModelCard]:
    """Save the classifier with float16 weights and write its card; returns the card as written."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / MODEL_FILE
    classifier.save(path)
    store_weights_as_float16(path)
    card = model_card(path, made=made, metrics=metrics)
    write_card(card, out)
    return path, card


def model_card(path: Path, *, made: Provenance, metrics: Metrics) -> ModelCard:
    """The card of a saved model. A card missing anything the service needs fails here, not at
    serving time; the release tools later add what they measure to it."""
    sha = file_sha256(path)
    return ModelCard(
        name=made.name or f"{made.architecture}-fer2013",
        version=f"{made.architecture}@{sha[:12]}",
        file=path.name,
        sha256=sha,
        size_bytes=path.stat().st_size,
        weights_storage="float16 (loaded into float32 variables)",
        labels=list(EMOTION_LABELS),
        input=input_contract(),
        output="softmax probabilities, one per label, in the order of `labels`",
        keras_version=keras.__version__,
        metrics=metrics,
        **made.card_fields(),
    )


def write_card(card: ModelCard, directory: Path) -> Path:
    """The card as the service reads it (model.card.json) and as people read it (CARD.md)."""
    path = directory / CARD_FILE
    path.write_text(card.model_dump_json(indent=2) + "\n")
    card_md.write(card, directory)
    return path


def evaluated_export(
    classifier: keras.Model,
    data: FerData,
    *,
    run: Path,
    made: Provenance,
    title: str,
    train_accuracy: bool = True,
) -> tuple[Path, ModelCard]:
    """What `train` ships: the classifier scored on PublicTest both ways (its `val` as
    the card's `flip_average` serves it), PrivateTest where the data has it, the training split if
    asked; exported to RUN/artifact with its card; then the stored file scored again, with float16
    weights and in bfloat16 compute, into the card and RUN/metrics.json (`layout`)."""
    run.mkdir(parents=True, exist_ok=True)
    flip_average = made.recipe.tta
    one_pass = evaluate_split(classifier, data.val, tta=False)
    flipped = evaluate_split(classifier, data.val, tta=True)
    evaluation: dict[str, Any] = {
        "val": flipped if flip_average else one_pass,
        "val_one_pass": one_pass,
        "val_flip_average": flipped,
    }
    if data.test is not None and len(data.test):
        evaluation["test"] = evaluate_split(classifier, data.test, tta=flip_average)
    if train_accuracy and len(data.train) <= 40_000:
        evaluation["train_accuracy"] = evaluate_split(classifier, data.train, tta=False)["accuracy"]
    plot_confusion(evaluation["val"], run / CONFUSION, title=f"{title}, PublicTest")

    model_path, full_card = export(
        classifier, out=artifact_of(run), made=made, metrics=Metrics.model_validate(evaluation)
    )
    reloaded = keras.models.load_model(model_path)
    # One pass, like `val_one_pass`: the service compares bfloat16 with that, whichever view it serves.
    stored = evaluate_split(reloaded, data.val, tta=False)
    full_card.metrics.val_float16_weights_accuracy = stored["accuracy"]
    # As the emotion-service computes when it chooses bfloat16 (it serves bfloat16 only if this holds).
    in_bfloat16 = evaluate_split(with_precision(reloaded, "bfloat16"), data.val, tta=False)
    full_card.metrics.val_bfloat16_accuracy = in_bfloat16["accuracy"]
    write_card(full_card, artifact_of(run))
    (run / METRICS).write_text(full_card.metrics.model_dump_json(indent=2) + "\n")
    log.info(
        "%s: PublicTest accuracy %.4f (float16 weights %.4f, bfloat16 compute %.4f), macro-F1 %.4f -> %s",
        title,
        evaluation["val"]["accuracy"],
        stored["accuracy"],
        in_bfloat16["accuracy"],
        evaluation["val"]["macro_f1"],
        model_path,
    )
    return model_path, full_card

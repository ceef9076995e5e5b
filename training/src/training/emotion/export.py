"""The artifact the emotion-service loads: one .keras file (weights stored as float16) and its card.

Weights are stored in float16 to halve the file; Keras casts them back to float32 variables at load,
so inference runs in float32 and the card reports accuracy both ways to show it holds.
"""

import io
import logging
import subprocess
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import h5py
import keras
import numpy as np

from moodtune_contracts.emotions import EMOTION_LABELS
from moodtune_contracts.model_card import InputContract, ModelCard
from moodtune_vision.crop import FACE_SIZE
from moodtune_vision.detectors import DEFAULT_DETECTOR, DETECTORS, make_detector
from moodtune_vision.precision import with_precision
from training.emotion import card as card_md
from training.emotion.data import FerData
from training.emotion.evaluate import evaluate_split, plot_confusion
from training.emotion.layout import CARD_FILE, CONFUSION, METRICS, MODEL_FILE, artifact_of
from training.files import file_sha256

log = logging.getLogger(__name__)
_WEIGHTS_ENTRY = "model.weights.h5"


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


def export(classifier: keras.Model, *, out: Path, card: dict[str, Any]) -> tuple[Path, ModelCard]:
    """Save the classifier with float16 weights and write its card; returns the card as written.

    `card` holds what only the run knows (architecture, recipe, data, metrics, ...); the rest is
    filled in here. A card missing anything the service needs fails here, not at serving time."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / MODEL_FILE
    classifier.save(path)
    store_weights_as_float16(path)
    sha = file_sha256(path)
    full = ModelCard.model_validate(
        {
            "name": card.get("name", f"{card['architecture']}-fer2013"),
            "version": f"{card['architecture']}@{sha[:12]}",
            "file": MODEL_FILE,
            "sha256": sha,
            "size_bytes": path.stat().st_size,
            "weights_storage": "float16 (loaded into float32 variables)",
            "labels": list(EMOTION_LABELS),
            "input": input_contract(),
            "output": "softmax probabilities, one per label, in the order of `labels`",
            "keras_version": keras.__version__,
            **card,
        }
    )
    write_card(full, out)
    return path, full


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
    card: dict[str, Any],
    title: str,
    train_accuracy: bool = True,
) -> tuple[Path, ModelCard]:
    """What `train` ships: the classifier scored on PublicTest both ways (its `val` as
    the card's `flip_average` serves it), PrivateTest where the data has it, the training split if
    asked; exported to RUN/artifact with its card; then the stored file scored again, with float16
    weights and in bfloat16 compute, into the card and RUN/metrics.json (`layout`)."""
    run.mkdir(parents=True, exist_ok=True)
    flip_average = bool(card.get("flip_average", False))
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

    model_path, full_card = export(classifier, out=artifact_of(run), card={**card, "metrics": evaluation})
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

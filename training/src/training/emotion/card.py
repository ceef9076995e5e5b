"""CARD.md for an emotion model, rendered from its model.card.json (the card the service serves)."""

from pathlib import Path

from moodtune_contracts.model_card import ModelCard, SplitMetrics
from training.emotion.architectures import get_architecture
from training.emotion.layout import CARD_MD


def differences(card: ModelCard) -> list[str]:
    study = get_architecture(card.architecture).study
    input_size = card.recipe["input_size"]
    notes = []
    if card.weights_init != study.weights:
        start = f" (warm-started from `{card.warm_start}`)" if card.warm_start else ""
        notes.append(
            f"Weights: `{card.weights_init}`{start} where the study used `{study.weights}` (the training "
            "job downloads no pretrained weights). From scratch every layer trains, also those the study "
            "froze."
        )
    if input_size != study.input_size:
        notes.append(
            f"Input: {input_size} px where the study used {study.input_size} px (trained on CPUs, where "
            "an epoch costs about the square of the input size)."
        )
    if card.warm_start:
        notes.append(
            f"Epochs: {card.epochs_trained} in this run, which continued `{card.warm_start}`; "
            f"the study trained {study.epochs} from ImageNet weights."
        )
    elif card.epochs_trained < study.epochs:
        notes.append(
            f"Epochs: {card.epochs_trained} of the study's {study.epochs}, stopped by a time budget "
            f"on {card.training.machine}."
        )
    if card.preset != "study":
        notes.append(f"Recipe: preset `{card.preset}`, not the study's.")
    notes.append(
        "Data: FER2013 Training (28,709) for training, PublicTest (3,589) for validation and model "
        "selection; the study also added ~1,000 web images of its own, which are not public."
    )
    return notes


def _recalls(metrics: SplitMetrics) -> str:
    return " | ".join(f"{m.recall:.3f}" for m in metrics.per_class.values())


def _views(card: ModelCard) -> list[str]:
    one, flips = card.metrics.val_one_pass, card.metrics.val_flip_average
    if one is None or flips is None:
        return []
    return [
        f"- One pass {one.accuracy:.2%} (macro-F1 {one.macro_f1:.4f}); with flip averaging "
        f"{flips.accuracy:.2%} (macro-F1 {flips.macro_f1:.4f})."
    ]


def _litert(card: ModelCard) -> list[str]:
    if card.litert is None:
        return []
    val = card.metrics.val
    return [
        "## On CPUs: LiteRT",
        f"The service derives a LiteRT file from this model (TensorFlow {card.litert.tensorflow_version}'s "
        f"converter) and serves **{card.litert.chosen}** on CPUs: {card.litert.reason}. Timed on "
        f"{card.litert.machine}.",
        "",
        "| runtime | PublicTest accuracy (as served) | macro-F1 | ms for 1 face | ms for 2 faces | file |",
        "|---|---:|---:|---:|---:|---|",
        f"| Keras | {val.accuracy:.2%} | {val.macro_f1:.4f} | — | — | `{card.file}` |",
        *[
            f"| LiteRT {v.precision} | {v.val.accuracy:.2%} | {v.val.macro_f1:.4f} | "
            f"{v.ms_per_call.get('1', float('nan')):.1f} | {v.ms_per_call.get('2', float('nan')):.1f} | "
            f"{v.size_bytes / 2**20:.1f} MiB, sha256 `{v.sha256[:12]}…` |"
            for v in card.litert.variants
        ],
        "",
    ]


def render(card: ModelCard) -> str:
    val = card.metrics.val
    labels = card.labels
    matrix = val.confusion_matrix.rows_true_columns_predicted
    recipe, run = card.recipe, card.training
    study = get_architecture(card.architecture).study
    nan = float("nan")
    train_accuracy = card.metrics.train_accuracy if card.metrics.train_accuracy is not None else nan
    stored = card.metrics.val_float16_weights_accuracy
    lines = [
        f"# Model card: {card.name}",
        "",
        f"Version `{card.version}` · file `{card.file}` ({card.size_bytes / 2**20:.1f} MiB, "
        f"{card.weights_storage}) · Keras {card.keras_version} · trained from commit `{card.commit}`.",
        "",
        "## What it does",
        f"Classifies a face into the 7 FER2013 emotions. Input: {card.input.shape} grey faces, values "
        f"0–255, cropped by `moodtune_vision` ({card.input.face_crop['detector']}); "
        f"{card.input.inside_the_model} happen inside the model. Output: {card.output}.",
        "",
        "## How it was made",
        f"- Command: `{card.command}`",
        f"- Architecture `{card.architecture}`, preset `{card.preset}`, weights `{card.weights_init}`"
        + (f", warm start `{card.warm_start}`" if card.warm_start else "")
        + f", input {recipe['input_size']} px, batch {recipe['batch_size']}, optimizer "
        f"{recipe['optimizer']} lr {recipe['learning_rate']}, schedule {recipe['schedule']}.",
        f"- {card.epochs_trained} epochs (best on PublicTest: epoch {card.best_epoch}), "
        f"{run.seconds / 60:.0f} min at {run.images_per_second:.0f} images/s on {run.machine} "
        f"({run.backend}, {run.precision})"
        + (f"; sessions: {', '.join(run.sessions)}" if run.sessions else "")
        + ".",
        f"- Data: `{Path(card.data.source).name}` (sha256 `{card.data.sha256[:16]}…`), "
        + ", ".join(f"{split} {sum(c.values()):,}" for split, c in card.data.counts.items())
        + ".",
        "",
        "## How it differs from the study's setting",
        *[f"- {note}" for note in differences(card)],
        "",
        "## Metrics (PublicTest, the validation split)",
        f"- Accuracy **{val.accuracy:.2%}** (study's {card.architecture}: {study.val_accuracy:.2%}); "
        f"macro-F1 **{val.macro_f1:.4f}**, as served: "
        + (
            "each face read with its mirror image, averaged." if card.flip_average else "each face read once."
        ),
        *_views(card),
        f"- Training-split accuracy {train_accuracy:.2%}; one pass with the stored float16 weights "
        f"{stored if stored is not None else nan:.2%}"
        + (
            f"; computing in bfloat16 {card.metrics.val_bfloat16_accuracy:.2%}"
            if card.metrics.val_bfloat16_accuracy is not None
            else ""
        )
        + ".",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| {name} | {m.precision:.3f} | {m.recall:.3f} | {m.f1:.3f} | {m.support} |"
            for name, m in val.per_class.items()
        ],
        "",
        "Confusion matrix (rows true, columns predicted):",
        "",
        "| true \\ predicted | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(labels),
        *[f"| {labels[i]} | " + " | ".join(str(v) for v in row) + " |" for i, row in enumerate(matrix)],
        "",
    ]
    if card.metrics.peers:
        lines += [
            "## Beside the installable peer (same PublicTest images)",
            "",
            "| model | accuracy | macro-F1 | " + " | ".join(f"{label} recall" for label in labels) + " |",
            "|---|---:|---:|" + "---:|" * len(labels),
            f"| **this model** | **{val.accuracy:.2%}** | **{val.macro_f1:.4f}** | {_recalls(val)} |",
            *[
                f"| {peer.name} | {peer.metrics.accuracy:.2%} | {peer.metrics.macro_f1:.4f} | "
                f"{_recalls(peer.metrics)} |"
                for peer in card.metrics.peers
            ],
            "",
            *[f"- {peer.name}: {peer.description}" for peer in card.metrics.peers],
            "",
        ]
    if card.serving:
        lines += [
            "## Speed",
            f"- Forward pass at batch 1: **{card.serving.batch_1_ms_p50:.1f} ms** (p50, "
            f"{card.serving.precision}) on {card.serving.machine}"
            + (
                f"; {card.serving.batch_32_faces_per_s:.0f} faces/s in batches of 32."
                if card.serving.batch_32_faces_per_s
                else "."
            ),
            "",
        ]
    lines += _litert(card)
    per_class = card.metrics.val.per_class
    # From the numbers, not a fixed sentence: which class is read worst changes from model to model.
    worst = min(per_class, key=lambda label: per_class[label].recall)
    rarest = min(per_class, key=lambda label: per_class[label].support)
    lines += [
        "## Limitations",
        "- FER2013 faces are 48×48 grey, web-sourced and often posed; accuracy on everyday photos, other "
        "ages, skin tones and lighting is unmeasured and likely lower. "
        f"Recognised worst: {worst} (recall {per_class[worst].recall:.2f}); the rarest class is "
        f"{rarest} ({per_class[rarest].support:,} of {card.metrics.val.n:,} PublicTest faces).",
        "- Reads expression only: an expression is not a feeling.",
        "",
    ]
    return "\n".join(lines)


def write(card: ModelCard, directory: Path) -> Path:
    path = directory / CARD_MD
    path.write_text(render(card))
    return path

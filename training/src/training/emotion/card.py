"""CARD.md for an emotion model, rendered from its model.card.json (the card the service serves)."""

from pathlib import Path
from typing import Any

# The study's settings per architecture (study.md), to state honestly how a model differs.
STUDY_SETTINGS = {
    "basic_cnn": {"input_size": 48, "epochs": 50, "weights": "none"},
    "resnet50v2": {"input_size": 224, "epochs": 30, "weights": "imagenet"},
    "vgg16": {"input_size": 48, "epochs": 30, "weights": "imagenet"},
    "efficientnetb0": {"input_size": 48, "epochs": 21, "weights": "imagenet"},
}
STUDY_VALIDATION = {"basic_cnn": 0.6617, "resnet50v2": 0.6904, "vgg16": 0.5157, "efficientnetb0": 0.2449}


def differences(card: dict[str, Any]) -> list[str]:
    arch, recipe = card["architecture"], card["recipe"]
    study = STUDY_SETTINGS[arch]
    notes = []
    if card["weights_init"] != study["weights"]:
        notes.append(
            f"Weights: `{card['weights_init']}` where the study used `{study['weights']}` (ImageNet weights "
            "cannot be downloaded here). From scratch every layer trains, also those the study froze."
        )
    if recipe["input_size"] != study["input_size"]:
        notes.append(
            f"Input: {recipe['input_size']} px where the study used {study['input_size']} px (CPU budget)."
        )
    if card["epochs_trained"] < study["epochs"]:
        notes.append(
            f"Epochs: {card['epochs_trained']} of the study's {study['epochs']}, stopped by a time budget "
            f"on {card['training']['machine']}."
        )
    if card["preset"] != "study":
        notes.append(f"Recipe: preset `{card['preset']}`, not the study's.")
    notes.append(
        "Data: FER2013 Training (28,709) for training, PublicTest (3,589) for validation and model "
        "selection; the study also added ~1,000 web images of its own, which are not public."
    )
    return notes


def render(card: dict[str, Any]) -> str:
    val = card["metrics"]["val"]
    labels = card["labels"]
    matrix = val["confusion_matrix"]["rows_true_columns_predicted"]
    lines = [
        f"# Model card: {card['name']}",
        "",
        f"Version `{card['version']}` · file `{card['file']}` ({card['size_bytes'] / 2**20:.1f} MiB, "
        f"{card['weights_storage']}) · Keras {card['keras_version']} · "
        f"trained from commit `{card['commit']}`.",
        "",
        "## What it does",
        f"Classifies a face into the 7 FER2013 emotions. Input: {card['input']['shape']} grey faces, values "
        f"0–255, cropped by `moodtune_vision` ({card['input']['face_crop']['detector']}); "
        f"{card['input']['inside_the_model']} happen inside the model. Output: {card['output']}.",
        "",
        "## How it was made",
        f"- Command: `{card['command']}`",
        f"- Architecture `{card['architecture']}`, preset `{card['preset']}`, "
        f"weights `{card['weights_init']}`, input {card['recipe']['input_size']} px, "
        f"batch {card['recipe']['batch_size']}, optimizer {card['recipe']['optimizer']} "
        f"lr {card['recipe']['learning_rate']}, schedule {card['recipe']['schedule']}.",
        f"- {card['epochs_trained']} epochs (best on PublicTest: epoch {card['best_epoch']}), "
        f"{card['training']['seconds'] / 60:.0f} min at "
        f"{card['training']['images_per_second']:.0f} images/s on {card['training']['machine']} "
        f"({card['training']['backend']}, {card['training']['precision']}).",
        f"- Data: `{Path(card['data']['source']).name}` (sha256 `{card['data']['sha256'][:16]}…`), "
        + ", ".join(f"{split} {sum(c.values()):,}" for split, c in card["data"]["counts"].items())
        + ".",
        "",
        "## How it differs from the study's setting",
        *[f"- {note}" for note in differences(card)],
        "",
        "## Metrics (PublicTest, the validation split)",
        f"- Accuracy **{val['accuracy']:.2%}** (study's {card['architecture']}: "
        f"{STUDY_VALIDATION[card['architecture']]:.2%}); macro-F1 **{val['macro_f1']:.4f}**; "
        f"test-time flip averaging: {'on' if card['recipe']['tta'] else 'off'}.",
        f"- Training-split accuracy {card['metrics'].get('train_accuracy', float('nan')):.2%}; "
        f"accuracy with the stored float16 weights "
        f"{card['metrics'].get('val_float16_weights_accuracy', float('nan')):.2%}.",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |"
            for name, m in val["per_class"].items()
        ],
        "",
        "Confusion matrix (rows true, columns predicted):",
        "",
        "| true \\ predicted | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(labels),
        *[f"| {labels[i]} | " + " | ".join(str(v) for v in row) + " |" for i, row in enumerate(matrix)],
        "",
        "## Limitations",
        "- FER2013 faces are 48×48 grey, web-sourced and often posed; accuracy on everyday photos, other "
        "ages, skin tones and lighting is unmeasured and likely lower. Disgust is rare in the data and "
        "recognised worst.",
        "- Reads expression only: an expression is not a feeling.",
        "",
    ]
    return "\n".join(lines)


def write(card: dict[str, Any], directory: Path) -> Path:
    path = directory / "CARD.md"
    path.write_text(render(card))
    return path

"""Evaluation: accuracy, macro-F1, per-class precision/recall, confusion matrix, and the study's figures."""

import csv
from pathlib import Path
from typing import Any, Protocol

import keras
import matplotlib
import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from moodtune_contracts.emotions import EMOTION_LABELS
from moodtune_vision.views import average_mirrors, with_mirrors
from training.emotion.data import Split

matplotlib.use("Agg")  # headless
import matplotlib.pyplot as plt  # noqa: E402

LABELS = list(EMOTION_LABELS)


class BatchModel(Protocol):
    """What reads a batch of faces: a Keras model, or the LiteRT classifier that mirrors its call."""

    def predict_on_batch(self, x: np.ndarray) -> Any: ...


def predict(classifier: BatchModel, x: np.ndarray, *, tta: bool, batch_size: int = 256) -> np.ndarray:
    """Probabilities for uint8 faces; with `tta`, averaged with the horizontally flipped faces.

    Chunk by chunk, each chunk (with its mirrors, in one batch) as the emotion-service serves it."""
    faces = x.astype(np.float32)[..., None]
    step = batch_size // 2 if tta else batch_size
    chunks = []
    for i in range(0, len(faces), step):
        chunk = faces[i : i + step]
        if tta:
            chunks.append(average_mirrors(np.asarray(classifier.predict_on_batch(with_mirrors(chunk)))))
        else:
            chunks.append(np.asarray(classifier.predict_on_batch(chunk)))
    return np.concatenate(chunks) if chunks else np.zeros((0, len(LABELS)), np.float32)


def metrics(y_true: np.ndarray, probs: np.ndarray) -> dict[str, Any]:
    return label_metrics(y_true, probs.argmax(axis=1))


def label_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    """Scores for predicted label indices; -1 (no answer) counts as wrong and stays off the matrix."""
    labels = list(range(len(LABELS)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return {
        "n": int(len(y_true)),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4
        ),
        "per_class": {
            name: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, name in enumerate(LABELS)
        },
        "confusion_matrix": {
            "labels": LABELS,
            "rows_true_columns_predicted": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
    }


def evaluate_split(classifier: keras.Model, split: Split, *, tta: bool) -> dict[str, Any]:
    return metrics(split.y, predict(classifier, split.x, tta=tta))


def plot_confusion(result: dict[str, Any], path: Path, *, title: str) -> None:
    matrix = np.asarray(result["confusion_matrix"]["rows_true_columns_predicted"], dtype=np.float64)
    normalized = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(normalized, cmap="Blues", vmin=0, vmax=1)
    ax.set(
        xticks=range(len(LABELS)), yticks=range(len(LABELS)), xlabel="predicted", ylabel="true", title=title
    )
    ax.set_xticklabels(LABELS, rotation=45, ha="right")
    ax.set_yticklabels(LABELS)
    for i in range(len(LABELS)):
        for j in range(len(LABELS)):
            colour = "white" if normalized[i, j] > 0.5 else "black"
            ax.text(j, i, f"{int(matrix[i, j])}", ha="center", va="center", fontsize=8, color=colour)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_curves(history_csv: Path, path: Path, *, title: str) -> int | None:
    """Loss and accuracy per epoch, the best epoch on PublicTest marked; returns that epoch."""
    with history_csv.open() as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return None
    epochs = [int(r["epoch"]) + 1 for r in rows]
    best = None
    if "val_accuracy" in rows[0]:
        best = max(zip(epochs, (float(r["val_accuracy"]) for r in rows), strict=True), key=lambda e: e[1])[0]
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 3.8))
    for key, ax in (("loss", loss_ax), ("accuracy", acc_ax)):
        ax.plot(epochs, [float(r[key]) for r in rows], label="train")
        if f"val_{key}" in rows[0]:
            ax.plot(epochs, [float(r[f"val_{key}"]) for r in rows], label="validation (PublicTest)")
        if best is not None:
            ax.axvline(best, color="grey", linestyle=":", label=f"best epoch ({best})")
        ax.set(xlabel="epoch", ylabel=key, title=f"{title}: {key}")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return best

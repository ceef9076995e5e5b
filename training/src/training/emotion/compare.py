"""Runs beside the study's numbers: one markdown row a run, read from the card it exported."""

import logging
from pathlib import Path

from moodtune_contracts.model_card import ModelCard
from training.emotion.architectures import get_architecture
from training.emotion.layout import CARD_FILE, artifact_of

log = logging.getLogger(__name__)


def runs_table(runs: list[Path]) -> str:
    rows = [
        "| model | study train | study validation | ours: preset | input | epochs | train acc | "
        "PublicTest acc | macro-F1 | CPU/GPU time |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        card_path = artifact_of(run) / CARD_FILE
        if not card_path.exists():
            log.warning("%s: no model card, skipped", run)
            continue
        card = ModelCard.model_validate_json(card_path.read_bytes())
        study = get_architecture(card.architecture).study
        m = card.metrics
        train_accuracy = m.train_accuracy if m.train_accuracy is not None else float("nan")
        rows.append(
            f"| {card.architecture} | {study.train_accuracy:.2%} | {study.val_accuracy:.2%} | "
            f"{card.preset} ({card.weights_init}) | {card.recipe['input_size']} | {card.epochs_trained} | "
            f"{train_accuracy:.2%} | {m.val.accuracy:.2%} | {m.val.macro_f1:.4f} | "
            f"{card.training.seconds / 60:.0f} min |"
        )
    return "\n".join(rows)

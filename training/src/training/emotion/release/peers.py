"""An installable peer's PublicTest predictions (benchmarks/peers.py), scored with our own metrics
code and recorded in a model's card, so the card compares both models on the same images."""

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from moodtune_contracts.emotions import EMOTION_LABELS
from moodtune_contracts.model_card import ModelCard, PeerResult, SplitMetrics
from training.emotion.evaluate import label_metrics
from training.emotion.export import write_card

log = logging.getLogger(__name__)


def score(predictions: dict[str, Any]) -> list[PeerResult]:
    """One result per peer run; a face the peer gave no answer for counts as wrong."""
    index = {label: i for i, label in enumerate(EMOTION_LABELS)}
    true = np.asarray([index[label] for label in predictions["true"]])
    results = []
    for run in predictions["runs"]:
        predicted = np.asarray([index.get(label, -1) if label else -1 for label in run["predicted"]])
        results.append(
            PeerResult(
                name=f"{predictions['peer']}, {run['model']}",
                description=f"its own pipeline, each 48x48 face given as the face box; "
                f"{int((predicted < 0).sum())} faces without an answer; {run['ms_per_face']} ms a face "
                f"on {predictions['machine']}",
                metrics=SplitMetrics.model_validate(label_metrics(true, predicted)),
            )
        )
    return results


def add_peers(*, card_path: Path, predictions: Path) -> ModelCard:
    card = ModelCard.model_validate_json(card_path.read_bytes())
    peers = score(json.loads(predictions.read_text()))
    if any(p.metrics.n != card.metrics.val.n for p in peers):
        raise ValueError(
            f"{predictions}: not the {card.metrics.val.n} PublicTest faces the card was scored on"
        )
    card.metrics.peers = peers
    write_card(card, card_path.parent)
    for peer in peers:
        log.info("%s: %.4f accuracy, %.4f macro-F1", peer.name, peer.metrics.accuracy, peer.metrics.macro_f1)
    return card

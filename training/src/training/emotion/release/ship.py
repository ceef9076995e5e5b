"""Ship a trained run: copy its artifact to where the emotion-service loads it from."""

import logging
import shutil
from pathlib import Path

from moodtune_contracts.model_card import ModelCard
from training.emotion.export import input_contract, write_card
from training.emotion.layout import CARD_FILE, CONFUSION, CURVES, MODEL_FILE, artifact_of

log = logging.getLogger("training.emotion")


def ship(run: Path, to: Path) -> ModelCard:
    """Copy the model file, its card (input contract as served now), CARD.md and the figures.

    Returns the shipped card.
    """
    to.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(artifact_of(run) / MODEL_FILE, to / MODEL_FILE)
    trained = ModelCard.model_validate_json((artifact_of(run) / CARD_FILE).read_bytes())
    # The face crop only exists at serving time (training uses FER2013's own crops): record the
    # contract the service applies today.
    card = trained.model_copy(update={"input": input_contract()})
    write_card(card, to)
    for figure in (CONFUSION, CURVES):
        if (run / figure).exists():
            shutil.copyfile(run / figure, to / figure)
    log.info("shipped %s to %s", card.version, to)
    return card

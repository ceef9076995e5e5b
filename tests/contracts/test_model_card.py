"""The model card's contract reads the committed card, and cards written before a field was dropped."""

import json

from moodtune_contracts.model_card import ModelCard
from support.paths import REPO

CARD = REPO / "artifacts" / "emotion" / "model.card.json"


def test_the_committed_card_loads() -> None:
    card = ModelCard.model_validate_json(CARD.read_bytes())
    assert card.labels_match() and card.version.startswith(f"{card.architecture}@")


def test_a_field_no_longer_written_is_ignored() -> None:
    written = json.loads(CARD.read_text())
    written["weight_average"] = {"members": ["resnet50v2@0123456789ab"], "batch_norm_images": 8192}
    written["logit_adjustment"] = {"tau": 0.5, "prior": {}, "chosen_on": "PublicTest"}
    card = ModelCard.model_validate(written)
    assert "weight_average" not in card.model_dump() and "logit_adjustment" not in card.model_dump()

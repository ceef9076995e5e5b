"""The release tool that picks the LiteRT file a CPU serves: the fastest within the accuracy limit."""

from pathlib import Path

import pytest

from moodtune_contracts.model_card import LiteRTVariant, ModelCard, card_path
from training.emotion.card import render
from training.emotion.release.litert import MAX_ACCURACY_LOSS, choose


def variant(card: ModelCard, precision: str, *, loss: float, ms: float) -> LiteRTVariant:
    val = card.metrics.val.model_copy(update={"accuracy": card.metrics.val.accuracy - loss})
    return LiteRTVariant(
        precision=precision,
        sha256="a" * 64,
        size_bytes=1,
        val=val,
        ms_per_call={"1": ms / 2, "2": ms},
    )


@pytest.fixture
def card(small_model: Path) -> ModelCard:
    return ModelCard.model_validate_json(card_path(small_model).read_bytes())


def test_the_fastest_file_within_the_limit_is_chosen(card: ModelCard) -> None:
    slow = variant(card, "float32", loss=0.0, ms=8.0)
    fast = variant(card, "dynamic_int8", loss=MAX_ACCURACY_LOSS / 2, ms=2.0)
    assert choose(card, [slow, fast])[0] == "dynamic_int8"


def test_a_faster_file_that_reads_worse_than_the_limit_is_passed_over(card: ModelCard) -> None:
    slow = variant(card, "float32", loss=0.0, ms=8.0)
    fast = variant(card, "dynamic_int8", loss=2 * MAX_ACCURACY_LOSS, ms=2.0)
    precision, reason = choose(card, [slow, fast])
    assert precision == "float32" and "within 0.2 points" in reason


def test_no_file_within_the_limit_is_an_error(card: ModelCard) -> None:
    with pytest.raises(ValueError, match="no LiteRT file"):
        choose(card, [variant(card, "dynamic_int8", loss=0.01, ms=1.0)])


def test_the_card_of_the_test_model_shows_both_files_and_the_choice(card: ModelCard) -> None:
    assert card.litert is not None
    assert {v.precision for v in card.litert.variants} == {"float32", "dynamic_int8"}
    text = render(card)
    assert "## On CPUs: LiteRT" in text and f"serves **{card.litert.chosen}**" in text

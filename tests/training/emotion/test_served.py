"""`versus` reads PublicTest through each model as its card says it is served, and applies the ship
rule to the paired difference."""

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from moodtune_contracts.model_card import card_path
from support.faces import FER_FIXTURE
from support.models import export_untrained
from training.emotion.data import load_fer
from training.emotion.evaluate import predict
from training.emotion.release.served import served_probabilities, versus


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two exported models; the candidate's card says it is served with flip averaging."""
    folder = tmp_path_factory.mktemp("served")
    shipped = export_untrained("basic_cnn", folder / "shipped", name="shipped")
    candidate = export_untrained("basic_cnn", folder / "candidate", name="candidate")
    card = json.loads(card_path(candidate).read_text())
    card["flip_average"] = True
    card_path(candidate).write_text(json.dumps(card))
    return candidate, shipped


def test_each_model_is_read_as_its_card_says_it_is_served(models: tuple[Path, Path]) -> None:
    candidate, shipped = models
    faces = load_fer(FER_FIXTURE).val.x
    for path, flips in ((candidate, True), (shipped, False)):
        probabilities, flip_average = served_probabilities(path, faces)
        assert flip_average is flips
        expected = predict(keras.models.load_model(path, compile=False), faces, tta=flips)
        np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)


def test_versus_scores_both_on_the_same_faces_and_writes_what_it_returns(
    models: tuple[Path, Path], tmp_path: Path
) -> None:
    candidate, shipped = models
    out = tmp_path / "versus.json"
    result = versus(candidate=candidate, shipped=shipped, data=FER_FIXTURE, cache_dir=None, out=out)
    assert json.loads(out.read_text()) == result
    assert result["candidate"] == str(candidate) and result["shipped"] == str(shipped)
    assert result["candidate_flip_average"] is True and result["shipped_flip_average"] is False
    val = load_fer(FER_FIXTURE).val
    assert result["n"] == len(val) == 70
    read = predict(keras.models.load_model(candidate, compile=False), val.x, tta=True).argmax(axis=1)
    accuracy = result["accuracy"]
    assert isinstance(accuracy, dict)
    assert accuracy["candidate"] == pytest.approx(float((read == val.y).mean()))
    assert accuracy["difference"] == pytest.approx(accuracy["candidate"] - accuracy["shipped"])


def test_a_model_against_itself_is_not_better(models: tuple[Path, Path]) -> None:
    _, shipped = models
    result = versus(candidate=shipped, shipped=shipped, data=FER_FIXTURE, cache_dir=None, out=None)
    accuracy, macro_f1 = result["accuracy"], result["macro_f1"]
    assert isinstance(accuracy, dict) and isinstance(macro_f1, dict)
    assert accuracy["difference"] == 0 and macro_f1["difference"] == 0
    assert result["candidate_better"] is False

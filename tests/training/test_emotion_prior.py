"""Logit adjustment on the class prior, and its folding into the shipped model's last bias."""

from pathlib import Path

import keras
import numpy as np
import pytest

from training.emotion.prior import adjust, class_prior, fold_into_bias


def test_the_prior_is_each_class_share_and_never_zero() -> None:
    prior = class_prior(np.array([0, 0, 0, 3]))
    assert prior.shape == (7,) and prior.sum() == pytest.approx(1.0)
    assert prior[0] > prior[3] > 0 and prior[1] > 0  # an absent class counts once


def test_no_adjustment_changes_nothing_and_more_favours_rare_classes() -> None:
    prior = class_prior(np.array([3] * 90 + [1] * 10))
    probabilities = np.full((1, 7), 0.01)
    probabilities[0, 3], probabilities[0, 1] = 0.5, 0.44
    np.testing.assert_allclose(
        adjust(probabilities, prior, 0.0), probabilities / probabilities.sum(), rtol=1e-6
    )
    assert adjust(probabilities, prior, 0.0).argmax() == 3
    assert adjust(probabilities, prior, 1.0).argmax() == 1  # disgust is 9x rarer than happy


def test_folding_into_the_bias_gives_the_model_the_adjusted_answers(small_model: Path) -> None:
    model = keras.models.load_model(small_model, compile=False)
    faces = np.random.default_rng(0).integers(0, 256, (6, 48, 48, 1)).astype(np.float32)
    before = np.asarray(model.predict_on_batch(faces))
    prior = class_prior(np.array([3] * 50 + [4] * 30 + [0, 1, 2, 5, 6] * 4))
    fold_into_bias(model, prior, 0.5)
    after = np.asarray(model.predict_on_batch(faces))
    np.testing.assert_allclose(after, adjust(before, prior, 0.5), atol=1e-5)
    assert not np.allclose(after, before)

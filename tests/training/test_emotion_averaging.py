"""Weight averaging (`python -m training.emotion average`): the mean of the weights, BatchNorm
statistics estimated again, and an artifact the emotion-service loads, with a card that says so."""

from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from emotion_service.classifier import EmotionClassifier
from moodtune_contracts.model_card import ModelCard, card_path
from support.faces import FER_FIXTURE
from support.models import export_untrained
from training.emotion.__main__ import main
from training.emotion.averaging import AverageError, BatchNormPass, average_weights, recompute_batch_norm
from training.emotion.models import build_classifier


def test_the_average_holds_the_mean_of_every_weight_and_leaves_the_members_alone() -> None:
    keras.utils.set_random_seed(1)
    first, second = (build_classifier(arch="basic_cnn", input_size=48) for _ in range(2))
    before = [w.copy() for w in first.get_weights()]
    averaged = average_weights([first, second])
    for mean, a, b in zip(averaged.get_weights(), first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_allclose(mean, (a + b) / 2, rtol=1e-6, atol=1e-7)
    assert any(
        not np.array_equal(a, b) for a, b in zip(first.get_weights(), second.get_weights(), strict=True)
    )
    for kept, now in zip(before, first.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)


def test_models_of_different_architectures_are_refused() -> None:
    with pytest.raises(AverageError, match="not one architecture"):
        average_weights([build_classifier(arch="basic_cnn", input_size=48), _grey_norm_model()])


def _grey_norm_model() -> keras.Model:
    """A BatchNorm inside a nested model (as the backbone is) over the one grey channel."""
    inner = keras.Sequential([keras.Input((48, 48, 1)), layers.BatchNormalization(name="norm")], name="inner")
    inputs = keras.Input((48, 48, 1))
    outputs = layers.Dense(7)(layers.GlobalAveragePooling2D()(inner(inputs)))
    return keras.Model(inputs, outputs)


def test_batch_norm_statistics_become_the_mean_over_the_faces_of_each_batchs_statistics() -> None:
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (96, 48, 48), dtype=np.uint8)
    model = _grey_norm_model()
    norm = model.get_layer("inner").get_layer("norm")
    assert recompute_batch_norm(model, faces, batch_size=32, seed=5) == BatchNormPass(layers=1, faces=96)
    order = np.random.default_rng(5).permutation(len(faces))
    batches = [faces[order[i : i + 32]].astype(np.float64) for i in range(0, 96, 32)]
    np.testing.assert_allclose(
        np.asarray(norm.moving_mean), [np.mean([b.mean() for b in batches])], rtol=1e-4
    )
    np.testing.assert_allclose(
        np.asarray(norm.moving_variance), [np.mean([b.var() for b in batches])], rtol=1e-3
    )
    assert norm.momentum == pytest.approx(0.99)  # the layer's own setting is back for training


def test_batch_norm_statistics_are_read_across_classes_not_within_one() -> None:
    # As the loaded splits are: ordered by class. Here half the faces are black, half white.
    faces = np.concatenate([np.zeros((64, 48, 48), np.uint8), np.full((64, 48, 48), 255, np.uint8)])
    model = _grey_norm_model()
    recompute_batch_norm(model, faces, batch_size=32)
    variance = float(np.asarray(model.get_layer("inner").get_layer("norm").moving_variance)[0])
    assert variance > 0.8 * faces.astype(np.float64).var()  # in class order every batch would give 0


def test_average_exports_a_model_the_service_loads_with_a_card_naming_its_members(tmp_path: Path) -> None:
    keras.utils.set_random_seed(2)
    members = [export_untrained("basic_cnn", tmp_path / name, name="test-basic-cnn") for name in ("a", "b")]
    run = tmp_path / "mean"
    code = main(
        ["average", "--models", *map(str, members), "--data", str(FER_FIXTURE), "--out", str(run)]
        + ["--cache-dir", str(tmp_path / "cache"), "--batch-norm-images", "16"]
    )
    assert code == 0
    card = ModelCard.model_validate_json(card_path(run / "artifact" / "model.keras").read_bytes())
    versions = [ModelCard.model_validate_json(card_path(m).read_bytes()).version for m in members]
    assert card.weight_average is not None and card.weight_average.members == versions
    assert card.weight_average.batch_norm_images == 16  # of the fixture's 21
    assert card.metrics.val_one_pass is not None and card.metrics.val_float16_weights_accuracy is not None
    assert "The mean of the weights of" in (run / "artifact" / "CARD.md").read_text()

    served = EmotionClassifier.load(run / "artifact" / "model.keras")
    kernels = [keras.models.load_model(m).get_layer("probabilities").get_weights()[0] for m in members]
    np.testing.assert_allclose(
        served.model.get_layer("probabilities").get_weights()[0], np.mean(kernels, axis=0), atol=2e-3
    )  # float16 storage


def test_average_refuses_models_whose_cards_name_different_architectures(tmp_path: Path) -> None:
    first, other = (export_untrained("basic_cnn", tmp_path / name, name=name) for name in ("a", "b"))
    card = ModelCard.model_validate_json(card_path(other).read_bytes())
    card_path(other).write_text(card.model_copy(update={"architecture": "vgg16"}).model_dump_json())
    out = tmp_path / "o"
    code = main(
        ["average", "--models", str(first), str(other), "--data", str(FER_FIXTURE), "--out", str(out)]
    )
    assert code == 2 and not out.exists()

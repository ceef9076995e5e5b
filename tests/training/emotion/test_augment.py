"""The recipe's augmentation in the data loader (NumPy/OpenCV, off the training step), on real faces."""

from pathlib import Path

import keras
import numpy as np
import pytest

from support.faces import FER_FIXTURE
from support.tiny_runs import TINY_INPUT, tiny_data
from training.emotion.augment import ERASE_MIN_AREA, augment_batch
from training.emotion.config import MOODTUNE, TrainConfig, recipe_for, with_overrides
from training.emotion.data import load_fer
from training.emotion.recipe import Augmentation
from training.emotion.train import FerBatches, train


@pytest.fixture(scope="module")
def faces() -> np.ndarray:
    return load_fer(FER_FIXTURE).val.x


def test_no_augmentation_returns_the_faces_as_float32_and_leaves_the_input_alone(faces: np.ndarray) -> None:
    before = faces.copy()
    out = augment_batch(faces, Augmentation(), np.random.default_rng(0))
    assert out.dtype == np.float32 and out.shape == faces.shape
    np.testing.assert_array_equal(out, faces.astype(np.float32))
    np.testing.assert_array_equal(faces, before)


def test_a_flip_gives_the_face_or_its_mirror_and_both_happen(faces: np.ndarray) -> None:
    out = augment_batch(faces, Augmentation(horizontal_flip=True), np.random.default_rng(0))
    same = [np.array_equal(o, f) for o, f in zip(out, faces, strict=True)]
    mirrored = [np.array_equal(o, f[:, ::-1]) for o, f in zip(out, faces, strict=True)]
    assert all(s or m for s, m in zip(same, mirrored, strict=True))
    assert any(same) and any(mirrored)


def test_erasing_changes_one_rectangle_within_the_area_bounds(faces: np.ndarray) -> None:
    out = augment_batch(faces, Augmentation(erasing=0.25), np.random.default_rng(1))
    for o, f in zip(out, faces, strict=True):
        rows, cols = np.nonzero(o != f)
        assert len(rows), "every face gets a rectangle"
        box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        assert box <= 0.25 * 48 * 48 + 48  # rounding of the sides
        assert len(rows) <= box and box >= ERASE_MIN_AREA * 48 * 48 * 0.5


def test_the_warp_moves_the_face_within_the_recipe_ranges_and_keeps_its_values(faces: np.ndarray) -> None:
    spec = MOODTUNE.augmentation
    warp_only = Augmentation(rotation_deg=spec.rotation_deg, zoom=spec.zoom, shift=spec.shift)
    out = augment_batch(faces, warp_only, np.random.default_rng(2))
    assert out.min() >= 0 and out.max() <= 255  # replicated borders, no black fill
    changed = [not np.allclose(o, f) for o, f in zip(out, faces, strict=True)]
    assert all(changed)
    # A warp, not noise: the content is still mostly where it was (±20% shifts at most).
    correlation = [np.corrcoef(o.ravel(), f.ravel())[0, 1] for o, f in zip(out, faces, strict=True)]
    assert np.median(correlation) > 0.3


def test_the_same_seed_gives_the_same_batch(faces: np.ndarray) -> None:
    spec = MOODTUNE.augmentation
    first = augment_batch(faces, spec, np.random.default_rng(7))
    np.testing.assert_array_equal(first, augment_batch(faces, spec, np.random.default_rng(7)))
    assert not np.array_equal(first, augment_batch(faces, spec, np.random.default_rng(8)))


def test_the_loader_augments_only_when_given_the_recipe() -> None:
    split = tiny_data().train
    plain = FerBatches(split, batch_size=8, shuffle=False, seed=0)
    augmented = FerBatches(split, batch_size=8, shuffle=False, seed=0, augmentation=MOODTUNE.augmentation)
    np.testing.assert_array_equal(plain[0][0][..., 0], split.x[:8].astype(np.float32))
    assert augmented[0][0].shape == (8, 48, 48, 1) and not np.array_equal(augmented[0][0], plain[0][0])


def test_a_resumed_loader_draws_the_epoch_the_uninterrupted_run_would_have() -> None:
    split = tiny_data().train
    recipe = MOODTUNE.augmentation

    def loader() -> FerBatches:
        return FerBatches(split, batch_size=8, shuffle=True, seed=3, augmentation=recipe, mixup=0.2)

    running = loader()
    epoch_0 = np.asarray(running[0][0])
    for _ in range(3):
        assert len(running[1]) == len(running[0]) == 2  # read in any order, as Keras reads ahead
        running.on_epoch_end()
    resumed = loader()
    resumed.begin_epoch(3)
    np.testing.assert_array_equal(resumed.order, running.order)
    for index in (1, 0):
        for got, want in zip(resumed[index], running[index], strict=True):
            np.testing.assert_array_equal(got, want)
    assert not np.array_equal(resumed.order, loader().order)
    assert not np.array_equal(np.asarray(resumed[0][0]), epoch_0)


@pytest.mark.parametrize(("augment_in", "has_layers"), [("loader", False), ("model", True)])
def test_the_training_model_holds_the_augmentation_layers_only_when_they_run_there(
    augment_in: str, has_layers: bool, tmp_path: Path
) -> None:
    recipe = with_overrides(
        recipe_for("moodtune", "basic_cnn"), epochs=1, input_size=TINY_INPUT, batch_size=8
    )
    recipe = with_overrides(recipe, mixup=0.0)
    config = TrainConfig(
        arch="basic_cnn",
        data=Path("synthetic"),
        out=tmp_path,
        recipe=recipe,
        verbose=0,
        augment_in=augment_in,
    )
    result = train(config, tiny_data())
    assert result.epochs_trained == 1
    saved = keras.models.load_model(tmp_path / "checkpoints" / "last.keras")
    names = {layer.name for layer in saved.layers}
    assert ("augmentation" in names) is has_layers

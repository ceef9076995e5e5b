"""Build/compile/fit/evaluate/export/reload for each architecture, on tiny synthetic data."""

import io
import json
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

from moodtune_contracts.model_card import ModelCard
from support.models import fixture_metrics, untrained_provenance
from support.tiny_runs import TINY_INPUT, tiny_config, tiny_data
from training.emotion.architectures import ARCHITECTURES
from training.emotion.config import TrainConfig, recipe_for, with_overrides
from training.emotion.data import Split
from training.emotion.evaluate import evaluate_split, plot_confusion, plot_curves
from training.emotion.export import export
from training.emotion.layout import BEST, CARD_FILE, CHECKPOINT_DIR, HISTORY, MODEL_FILE
from training.emotion.models import build_classifier
from training.emotion.train import (
    FerBatches,
    balanced_class_weights,
    subset,
    train,
    training_loss,
    warm_start,
)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_each_architecture_trains_evaluates_exports_and_reloads(arch: str, tmp_path: Path) -> None:
    data = tiny_data()
    result = train(tiny_config(arch, tmp_path), data)
    assert result.epochs_trained == 1
    assert (tmp_path / CHECKPOINT_DIR / BEST).exists()

    evaluation = evaluate_split(result.classifier, data.val, tta=True)
    assert 0.0 <= evaluation["accuracy"] <= 1.0
    assert np.asarray(evaluation["confusion_matrix"]["rows_true_columns_predicted"]).sum() == 14

    made, metrics = untrained_provenance(arch), fixture_metrics(result.classifier)
    path, card = export(result.classifier, out=tmp_path / "artifact", made=made, metrics=metrics)
    model = keras.models.load_model(path)
    # The input contract: 48x48x1 grey 0..255 in, 7 probabilities out.
    assert tuple(model.input_shape) == (None, 48, 48, 1)
    probs = model.predict(data.val.x[:5].astype("float32")[..., None], verbose=0)
    assert probs.shape == (5, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-3)
    original = result.classifier.predict(data.val.x[:5].astype("float32")[..., None], verbose=0)
    np.testing.assert_allclose(probs, original, atol=2e-2)  # float16 storage changes little
    assert card.labels == ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]
    assert json.loads((tmp_path / "artifact" / CARD_FILE).read_text())["version"].startswith(f"{arch}@")


def test_exported_weights_are_stored_as_float16_and_load_as_float32(tmp_path: Path) -> None:
    classifier = build_classifier(arch="basic_cnn", input_size=48)
    path, _ = export(
        classifier, out=tmp_path, made=untrained_provenance("basic_cnn"), metrics=fixture_metrics(classifier)
    )
    with zipfile.ZipFile(path) as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as h5:
        dtypes: set[str] = set()
        h5.visititems(lambda _, node: dtypes.add(str(node.dtype)) if isinstance(node, h5py.Dataset) else None)
    assert dtypes == {"float16"}
    reloaded = keras.models.load_model(path)
    assert {w.dtype for w in reloaded.weights} == {"float32"}
    assert path.name == MODEL_FILE


def test_local_weights_file_initialises_the_backbone_and_freezes_as_the_study(tmp_path: Path) -> None:
    base = keras.applications.VGG16(include_top=False, weights=None, input_shape=(TINY_INPUT, TINY_INPUT, 3))
    weights = tmp_path / "vgg16_notop.weights.h5"
    base.save_weights(weights)
    classifier = build_classifier(arch="vgg16", input_size=TINY_INPUT, weights=str(weights))
    backbone = classifier.get_layer("vgg16")
    for saved, loaded in zip(base.weights, backbone.weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(saved), keras.ops.convert_to_numpy(loaded))
    trainable = [layer.name for layer in backbone.layers if layer.trainable and layer.weights]
    assert trainable == ["block5_conv1", "block5_conv2", "block5_conv3"]  # the last 4 layers incl. pool


def test_from_scratch_trains_the_layers_the_study_froze() -> None:
    classifier = build_classifier(arch="efficientnetb0", input_size=TINY_INPUT, weights="none")
    assert all(layer.trainable for layer in classifier.get_layer("efficientnetb0").layers)


def test_missing_weights_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        build_classifier(arch="vgg16", input_size=TINY_INPUT, weights=str(tmp_path / "nope.h5"))


def test_resume_continues_from_the_last_epoch_and_appends_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tiny_data()
    first = train(tiny_config("basic_cnn", tmp_path), data)
    assert first.epochs_trained == 1
    config = tiny_config("basic_cnn", tmp_path, resume=True)
    config = TrainConfig(**{**config.__dict__, "recipe": with_overrides(config.recipe, epochs=2)})
    read_in_epoch: list[int] = []  # the epoch each training batch was drawn for
    get_batch = FerBatches.__getitem__

    def recording(self: FerBatches, index: int) -> tuple[np.ndarray, ...]:
        if self.shuffle:
            read_in_epoch.append(self.epoch)
        return get_batch(self, index)

    monkeypatch.setattr(FerBatches, "__getitem__", recording)
    second = train(config, data)
    assert second.epochs_trained == 2
    assert read_in_epoch[0] == 1 and 0 not in read_in_epoch  # the resumed epoch's draws, not the first's
    rows = (tmp_path / HISTORY).read_text().strip().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["0", "1"]
    history = [[float(v) for v in r.split(",")[1:]] for r in rows[1:]]
    header = rows[0].split(",")[1:]
    val = [h[header.index("val_accuracy")] for h in history]
    assert plot_curves(tmp_path / HISTORY, tmp_path / "curves.png", title="t") == 1 + val.index(max(val))
    plot_confusion(evaluate_split(second.classifier, data.val, tta=False), tmp_path / "cm.png", title="t")
    assert (tmp_path / "curves.png").stat().st_size > 1000 and (tmp_path / "cm.png").stat().st_size > 1000


def test_resume_refuses_a_different_architecture(tmp_path: Path) -> None:
    data = tiny_data()
    train(tiny_config("basic_cnn", tmp_path), data)
    with pytest.raises(ValueError, match="cannot resume"):
        train(tiny_config("vgg16", tmp_path, resume=True), data)


def test_subset_is_seeded_and_keeps_every_class_of_a_class_ordered_split() -> None:
    # Loaded splits are ordered by class: a first-N cut would hold the first class only.
    ordered = Split(np.zeros((700, 48, 48), np.uint8), np.repeat(np.arange(7), 100))
    picked = subset(ordered, 140, seed=1)
    assert len(picked) == 140
    counts = np.bincount(picked.y, minlength=7)
    assert counts.min() >= 8 and counts.max() <= 35  # every class, near its 1/7 share
    np.testing.assert_array_equal(subset(ordered, 140, seed=1).y, picked.y)
    assert subset(ordered, 5000, seed=1) is ordered


def test_warm_start_copies_every_weight_whose_shape_matches_and_starts_the_rest_fresh(tmp_path: Path) -> None:
    source = build_classifier(arch="basic_cnn", input_size=48)
    for variable in source.weights:
        variable.assign(np.full(variable.shape, 0.5, dtype="float32"))
    path, _ = export(
        source, out=tmp_path, made=untrained_provenance("basic_cnn"), metrics=fixture_metrics(source)
    )
    # Another input size changes the Flatten width, so only the first dense kernel differs in shape.
    target = build_classifier(arch="basic_cnn", input_size=64)
    skipped = warm_start(target, path)
    assert len(skipped) == 1 and "(6400, 1024) -> (12544, 1024)" in skipped[0]
    copied = [v for v in target.weights if not skipped[0].startswith(v.path + " ")]
    assert len(copied) == len(target.weights) - 1
    assert all(np.all(keras.ops.convert_to_numpy(v) == 0.5) for v in copied)


def test_warm_start_refuses_another_architecture(tmp_path: Path) -> None:
    source = build_classifier(arch="basic_cnn", input_size=48)
    path, _ = export(
        source, out=tmp_path, made=untrained_provenance("basic_cnn"), metrics=fixture_metrics(source)
    )
    with pytest.raises(ValueError, match="cannot warm-start"):
        warm_start(build_classifier(arch="vgg16", input_size=TINY_INPUT), path)


def test_class_weights_favour_rare_classes_and_average_one() -> None:
    y = np.array([0] * 90 + [1] * 10)
    weights = balanced_class_weights(y)
    assert weights[1] > weights[0]
    assert float((weights[y]).mean()) == pytest.approx(1.0)


def test_ship_copies_the_artifact_refreshes_the_input_contract_and_writes_the_card(tmp_path: Path) -> None:
    from training.emotion.export import input_contract
    from training.emotion.release.ship import ship

    data = tiny_data()
    run = tmp_path / "run"
    result = train(tiny_config("basic_cnn", run), data)
    made = untrained_provenance("basic_cnn", epochs_trained=1, best_epoch=1)
    _, written = export(
        result.classifier, out=run / "artifact", made=made, metrics=fixture_metrics(result.classifier)
    )
    stale = written.model_dump(mode="json")
    stale["input"]["face_crop"] = {"detector": "old"}
    (run / "artifact" / CARD_FILE).write_text(json.dumps(stale))
    target = tmp_path / "served"
    returned = ship(run, target)
    shipped = ModelCard.model_validate_json((target / CARD_FILE).read_text())
    assert returned == shipped
    assert shipped.input == input_contract() and shipped.input.face_crop != {"detector": "old"}
    assert (target / MODEL_FILE).read_bytes() == (run / "artifact" / MODEL_FILE).read_bytes()
    markdown = (target / "CARD.md").read_text()
    assert "## How it differs from the study's setting" in markdown and "| disgust |" in markdown


def test_auto_precision_is_float32_without_a_gpu_and_explicit_choices_stand() -> None:
    from training.emotion.train import resolve_precision

    assert resolve_precision("auto") == "float32"  # this machine and CI have no GPU
    assert resolve_precision("mixed_bfloat16") == "mixed_bfloat16"


def test_auto_precision_picks_bfloat16_when_a_gpu_is_seen_mocked_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import training.emotion.train as train_module

    monkeypatch.setattr(train_module, "has_gpu", lambda: True)  # no GPU exists here to find
    assert train_module.resolve_precision("auto") == "mixed_bfloat16"


def test_focal_loss_weighs_the_faces_still_read_wrong_above_the_easy_ones() -> None:
    plain = with_overrides(recipe_for("study", "resnet50v2"), focal_gamma=0.0)
    focal = with_overrides(plain, focal_gamma=2.0)
    assert plain.label_smoothing == 0  # the ratios below are exact only without smoothing
    truth = np.eye(7, dtype=np.float32)[[0, 0]]
    easy = np.zeros((2, 7), dtype=np.float32)
    easy[:, 0], easy[:, 1:] = 0.9, 0.1 / 6
    hard = np.full((2, 7), 0.8 / 6, dtype=np.float32)
    hard[:, 0] = 0.2

    def ratio(pred: np.ndarray) -> float:
        return float(training_loss(focal)(truth, pred)) / float(training_loss(plain)(truth, pred))

    # (1 - p)^gamma of the true class: 0.01 for a face read at 0.9, 0.64 at 0.2. Keras' default
    # alpha of 0.25 would quarter both, a hidden cut of the learning rate.
    assert ratio(easy) == pytest.approx(0.01, rel=1e-3)
    assert ratio(hard) == pytest.approx(0.64, rel=1e-3)

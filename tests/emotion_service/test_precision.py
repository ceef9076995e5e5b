"""The classifier's precision: float32, or bfloat16 where it is measured faster and reads as well.

Whether this CPU has AMX is replaced in some tests (mocked_amx), so that both branches are tested
on any machine; the models and the timings are real.
"""

from pathlib import Path

import numpy as np
import pytest

from emotion_service import classifier as classifier_module
from emotion_service.classifier import BFLOAT16_MAX_ACCURACY_LOSS, EmotionClassifier
from moodtune_vision.precision import cpu_has_amx, with_precision


def load(small_model: Path) -> EmotionClassifier:
    return EmotionClassifier.load(small_model, runtime="keras")  # bfloat16 is a Keras precision


def faces(n: int) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 255, (n, 48, 48), dtype=np.uint8)


def test_a_bfloat16_copy_computes_in_bfloat16_and_gives_nearly_the_same_answers(small_model: Path) -> None:
    model = load(small_model).model
    copy = with_precision(model, "bfloat16")
    assert copy is not model and {layer.compute_dtype for layer in copy.layers[1:]} == {"bfloat16"}
    batch = faces(8).astype(np.float32)[..., None]
    expected = np.asarray(model.predict_on_batch(batch))
    got = np.asarray(copy.predict_on_batch(batch), dtype=np.float32)
    assert np.abs(got - expected).max() < 0.05
    assert with_precision(model, "float32") is model


def test_amx_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    with_amx = tmp_path / "with"
    with_amx.write_text("processor : 0\nflags : fpu sse avx512f amx_bf16 amx_tile\n")
    without = tmp_path / "without"
    without.write_text("processor : 0\nflags : fpu sse avx2\n")
    assert cpu_has_amx(with_amx) and not cpu_has_amx(without)
    assert not cpu_has_amx(tmp_path / "missing")


def test_float32_when_set(small_model: Path) -> None:
    served = load(small_model)
    choice = served.choose_precision("float32", (1, 32))
    assert choice.bfloat16_from_batch is None and served.bfloat16 is None


def test_auto_stays_float32_without_amx_or_gpu_mocked_amx(
    small_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier_module, "cpu_has_amx", lambda: False)
    served = load(small_model)
    choice = served.choose_precision("auto", (1, 32))
    assert choice.bfloat16_from_batch is None and "no AMX" in choice.reason


@pytest.mark.parametrize(
    ("bfloat16_accuracy", "reason"),
    [(None, "no bfloat16 accuracy"), ("too low", "points lower")],
)
def test_auto_stays_float32_unless_the_card_shows_bfloat16_reads_as_well_mocked_amx(
    small_model: Path, monkeypatch: pytest.MonkeyPatch, bfloat16_accuracy: str | None, reason: str
) -> None:
    monkeypatch.setattr(classifier_module, "cpu_has_amx", lambda: True)
    served = load(small_model)
    if bfloat16_accuracy is not None:
        served.card.metrics.val_bfloat16_accuracy = (
            served.card.metrics.val.accuracy - 2 * BFLOAT16_MAX_ACCURACY_LOSS
        )
    choice = served.choose_precision("auto", (1, 32))
    assert choice.bfloat16_from_batch is None and reason in choice.reason


def test_auto_serves_bfloat16_from_the_batch_size_where_it_was_measured_faster_mocked_amx(
    small_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier_module, "cpu_has_amx", lambda: True)
    served = load(small_model)
    served.card.metrics.val_bfloat16_accuracy = served.card.metrics.val.accuracy
    choice = served.choose_precision("auto", (1, 4, 16))
    assert set(choice.timings_ms) == {"1", "4", "16"}
    start = choice.bfloat16_from_batch
    for size, ms in choice.timings_ms.items():
        faster = ms["bfloat16"] < ms["float32"]
        if start is not None and int(size) >= start:
            assert faster  # bfloat16 only where it measured faster ...
    if start is None:
        assert (
            served.bfloat16 is None
            and not choice.timings_ms["16"]["bfloat16"] < choice.timings_ms["16"]["float32"]
        )
    else:
        assert served.bfloat16 is not None
        # ... and it answers those batches: the probabilities differ slightly from float32's.
        batch = faces(max(start, 1))
        served_answer = served.predict(batch)
        float32_answer = np.asarray(served.model.predict_on_batch(batch.astype(np.float32)[..., None]))
        assert not np.array_equal(served_answer, float32_answer)


def test_bfloat16_when_set_serves_every_batch_in_bfloat16(small_model: Path) -> None:
    served = load(small_model)
    choice = served.choose_precision("bfloat16", (1, 32))
    assert choice.bfloat16_from_batch == 1
    batch = faces(2)
    float32_answer = np.asarray(served.model.predict_on_batch(batch.astype(np.float32)[..., None]))
    assert not np.array_equal(served.predict(batch), float32_answer)
    assert np.abs(served.predict(batch) - float32_answer).max() < 0.05


@pytest.mark.parametrize(("setting", "expected"), [("on", True), ("off", False), ("auto", False)])
def test_flip_averaging_follows_the_setting_or_the_card(
    small_model: Path, setting: str, expected: bool
) -> None:
    served = load(small_model)  # the test model's card says one pass
    assert served.choose_flip_average(setting) is expected  # type: ignore[arg-type]
    assert served.flip_average is expected


def test_flip_averaging_averages_each_face_with_its_mirror_in_one_call(small_model: Path) -> None:
    served = load(small_model)
    batch = faces(3)
    one_pass = served.predict(batch)
    mirrored = served.predict(batch[:, :, ::-1].copy())
    served.choose_flip_average("on")
    np.testing.assert_allclose(served.predict(batch), (one_pass + mirrored) / 2, atol=1e-5)


def test_auto_flip_averaging_is_on_when_the_card_says_so(small_model: Path, tmp_path: Path) -> None:
    import shutil

    from moodtune_contracts.model_card import ModelCard, card_path

    model = tmp_path / "model.keras"
    shutil.copyfile(small_model, model)
    card = ModelCard.model_validate_json(card_path(small_model).read_bytes())
    card_path(model).write_text(card.model_copy(update={"flip_average": True}).model_dump_json())
    assert EmotionClassifier.load(model, runtime="keras").choose_flip_average("auto") is True

"""The classifier on LiteRT: derived from the model of record, checked against its card, answering as
Keras does, and refused (Keras serves instead, loudly) where the card does not vouch for it."""

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from emotion_service.classifier import EmotionClassifier, gpu_present
from emotion_service.errors import ModelError
from moodtune_contracts.model_card import LiteRTVariant, ModelCard, card_path
from moodtune_vision.litert import cache_beside, derived_path, file_sha256


def faces(n: int) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 255, (n, 48, 48), dtype=np.uint8)


def copy_with_card(small_model: Path, folder: Path, **card_changes: object) -> Path:
    """The test model in a folder of its own (its own LiteRT cache), its card changed as given."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "model.keras"
    shutil.copyfile(small_model, model)
    card = ModelCard.model_validate_json(card_path(small_model).read_bytes())
    card_path(model).write_text(card.model_copy(update=card_changes).model_dump_json())
    return model


def test_a_cpu_serves_the_litert_file_the_card_chose_and_it_answers_as_keras(small_model: Path) -> None:
    litert = EmotionClassifier.load(small_model)
    keras = EmotionClassifier.load(small_model, runtime="keras")
    assert (litert.runtime.runtime, keras.runtime.runtime) == ("litert", "keras")
    card = litert.card.litert
    assert card is not None and litert.runtime.precision == card.chosen
    assert litert.model is None  # Keras not loaded for it
    batch = faces(5)
    np.testing.assert_allclose(litert.predict(batch), keras.predict(batch), atol=0.02)
    for served in (litert, keras):
        served.choose_flip_average("on")
    np.testing.assert_allclose(litert.predict(batch), keras.predict(batch), atol=0.02)


def test_the_derived_file_is_cached_by_the_models_hash_and_is_the_cards_file(small_model: Path) -> None:
    served = EmotionClassifier.load(small_model)
    chosen = served.card.litert.variant(served.card.litert.chosen)  # type: ignore[union-attr]
    derived = derived_path(cache_beside(small_model), file_sha256(small_model), served.runtime.precision)  # type: ignore[arg-type]
    assert served.runtime.file == derived.name and derived.is_file()
    assert chosen is not None and file_sha256(derived) == chosen.sha256
    written = derived.stat().st_mtime_ns
    EmotionClassifier.load(small_model)
    assert derived.stat().st_mtime_ns == written  # read from the cache, not converted again


def test_a_card_without_a_litert_measurement_falls_back_to_keras_loudly(
    small_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = copy_with_card(small_model, tmp_path, litert=None)
    served = EmotionClassifier.load(model)
    assert served.runtime.runtime == "keras" and "no LiteRT measurement" in served.runtime.reason
    assert "NOT serving on LiteRT" in caplog.text
    with pytest.raises(ModelError, match="cannot serve on LiteRT"):
        EmotionClassifier.load(model, runtime="litert")


def with_variants_changed(
    small_model: Path, folder: Path, change: Callable[[LiteRTVariant], dict[str, Any]]
) -> Path:
    """The test model with every LiteRT variant on its card changed as `change` says."""
    card = ModelCard.model_validate_json(card_path(small_model).read_bytes())
    assert card.litert is not None
    variants = [v.model_copy(update=change(v)) for v in card.litert.variants]
    return copy_with_card(small_model, folder, litert=card.litert.model_copy(update={"variants": variants}))


def test_a_litert_file_reading_more_than_a_fifth_of_a_point_lower_is_refused(
    small_model: Path, tmp_path: Path
) -> None:
    keras_accuracy = ModelCard.model_validate_json(card_path(small_model).read_bytes()).metrics.val.accuracy
    model = with_variants_changed(
        small_model,
        tmp_path,
        lambda v: {"val": v.val.model_copy(update={"accuracy": keras_accuracy - 0.003})},
    )
    served = EmotionClassifier.load(model)
    assert served.runtime.runtime == "keras" and "0.30 points below Keras" in served.runtime.reason
    with pytest.raises(ModelError, match="points below Keras"):
        EmotionClassifier.load(model, runtime="litert")


def test_a_derived_file_that_is_not_the_one_the_card_measured_is_refused(
    small_model: Path, tmp_path: Path
) -> None:
    model = with_variants_changed(small_model, tmp_path, lambda _: {"sha256": "0" * 64})
    served = EmotionClassifier.load(model)
    assert served.runtime.runtime == "keras" and "not the file the card measured" in served.runtime.reason


def test_keras_when_set(small_model: Path) -> None:
    served = EmotionClassifier.load(small_model, runtime="keras")
    assert served.runtime.reason == "Keras: set by EMOTION_RUNTIME" and served.model is not None


def test_a_gpu_is_seen_in_the_drivers_list(tmp_path: Path) -> None:
    assert not gpu_present(tmp_path / "missing")
    assert not gpu_present(tmp_path)  # the driver loaded, no GPU
    (tmp_path / "0000:01:00.0").mkdir()
    assert gpu_present(tmp_path)


PROBE = """
import sys
from fastapi.testclient import TestClient
from emotion_service.main import create_app
from emotion_service.settings import Settings

with TestClient(create_app(Settings(model_path={model!r}))) as client:
    runtime = client.get("/v1/model").json()["runtime"]["runtime"]
print("SERVED", runtime, "tensorflow" in sys.modules, "keras" in sys.modules)
"""


def test_a_service_on_litert_never_imports_tensorflow_or_keras(small_model: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(model=str(small_model))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "SERVED litert False False" in result.stdout, result.stderr[-2000:]

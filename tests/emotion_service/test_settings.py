"""The emotion-service reads its configuration from the environment, under the documented names."""

from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from emotion_service.settings import DEFAULT_MODEL, Settings
from moodtune_vision.detectors import DEFAULT_DETECTOR, DETECTORS


def test_the_committed_model_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODEL_PATH", raising=False)
    monkeypatch.delenv("EMOTION_MODEL_PATH", raising=False)
    assert Settings().model_path == DEFAULT_MODEL


def test_model_path_selects_another_artifact(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EMOTION_MODEL_PATH", raising=False)
    monkeypatch.setenv("MODEL_PATH", str(tmp_path / "other.keras"))
    assert Settings().model_path == tmp_path / "other.keras"


def test_the_prefixed_name_wins_over_model_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MODEL_PATH", str(tmp_path / "plain.keras"))
    monkeypatch.setenv("EMOTION_MODEL_PATH", str(tmp_path / "prefixed.keras"))
    assert Settings().model_path == tmp_path / "prefixed.keras"


def test_other_settings_keep_their_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMOTION_BATCH_MAX_WAIT_MS", "3.5")
    monkeypatch.setenv("BATCH_MAX_WAIT_MS", "99")
    assert Settings().batch_max_wait_ms == 3.5


def test_the_detector_setting_offers_every_detector_and_defaults_to_the_default() -> None:
    field = Settings.model_fields["face_detector"]
    assert set(get_args(field.annotation)) == set(DETECTORS)
    assert field.default == DEFAULT_DETECTOR


def test_precision_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMOTION_PRECISION", "float32")
    assert Settings().precision == "float32"
    monkeypatch.setenv("EMOTION_PRECISION", "float8")
    with pytest.raises(ValidationError):
        Settings()

"""The committed emotion model, served on its defaults: FER2013 crops classify exactly as in training."""

import io
import json
from collections.abc import Iterator

import httpx
import keras
import numpy as np
import pytest
from PIL import Image

from moodtune_vision.litert import LiteRTClassifier, cache_beside
from moodtune_vision.views import average_mirrors, with_mirrors
from support.faces import fer_samples
from support.paths import REPO
from support.processes import free_port, running_service

MODEL = REPO / "artifacts" / "emotion" / "model.keras"
CARD = REPO / "artifacts" / "emotion" / "model.card.json"
LABELS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


@pytest.fixture(scope="module")
def default_service() -> Iterator[str]:
    port = free_port()
    with running_service("emotion_service", env={"EMOTION_PORT": str(port)}, port=port, timeout=180) as url:
        yield url


def test_the_card_describes_the_served_model() -> None:
    card = json.loads(CARD.read_text())
    assert card["architecture"] == "resnet50v2" and card["labels"] == LABELS
    assert card["input"]["shape"] == [None, 48, 48, 1]
    assert card["sha256"] and MODEL.stat().st_size == card["size_bytes"]
    assert MODEL.stat().st_size < 60 * 1024 * 1024  # compact: float16 weights
    val = card["metrics"]["val"]
    assert set(val["per_class"]) == set(LABELS)
    assert len(val["confusion_matrix"]["rows_true_columns_predicted"]) == 7
    # float16 storage holds accuracy (both one pass)
    one_pass = card["metrics"]["val_one_pass"]
    assert abs(card["metrics"]["val_float16_weights_accuracy"] - one_pass["accuracy"]) <= 0.005
    # `val` is PublicTest as served: with flip averaging where the card says it is served so.
    served = card["metrics"]["val_flip_average"] if card["flip_average"] else one_pass
    assert val == served


def test_fer_crops_through_the_service_match_the_model_itself(default_service: str) -> None:
    samples = fer_samples(per_class=6)
    model = keras.models.load_model(MODEL)
    faces = np.stack([np.asarray(Image.open(io.BytesIO(jpeg)).convert("L")) for _, jpeg in samples])
    batch = faces.astype("float32")[..., None]
    runtime = httpx.get(f"{default_service}/v1/model", timeout=30).json()["runtime"]
    # On a CPU the service serves the LiteRT file derived from the model: that file is "the model
    # itself" to the last digit, and the .keras model to within its quantisation.
    served_by = (
        LiteRTClassifier(cache_beside(MODEL) / runtime["file"]) if runtime["runtime"] == "litert" else model
    )
    flip = json.loads(CARD.read_text())[
        "flip_average"
    ]  # served with flip averaging (EMOTION_FLIP_AVERAGE=auto)
    keras_answers = (
        average_mirrors(model.predict(with_mirrors(batch), verbose=0))
        if flip
        else model.predict(batch, verbose=0)
    )
    direct = (
        average_mirrors(served_by.predict_on_batch(with_mirrors(batch)))
        if flip
        else served_by.predict_on_batch(batch)
    )
    np.testing.assert_allclose(direct, keras_answers, atol=0.05)
    correct = 0
    for (label, jpeg), expected in zip(samples, direct, strict=True):
        files = {"image": (f"{label}.jpg", jpeg, "image/jpeg")}
        body = httpx.post(f"{default_service}/v1/emotions", files=files, timeout=60).json()
        face = body["faces"][0]
        assert face["detected"] is False  # a tight crop is used whole, as in training
        served = np.array([face["probabilities"][name] for name in LABELS])
        np.testing.assert_allclose(served, expected, atol=1e-4)
        assert face["emotion"] == LABELS[int(np.argmax(expected))]
        correct += face["emotion"] == label
    # Well above chance (1/7) on real FER2013 validation faces: the labels line up end to end.
    assert correct / len(samples) >= 0.3
    assert body["model"]["version"] == json.loads(CARD.read_text())["version"]

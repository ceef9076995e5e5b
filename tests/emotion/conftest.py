from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from moodtune_contracts.faces import FaceDetector
from tests.helpers import fer_samples, free_port, running_service, scene_with_faces


@pytest.fixture(scope="session")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small, untrained model in the real artifact format (file + card), exported by the training job."""
    from training.emotion.export import export
    from training.emotion.models import build_classifier

    out = tmp_path_factory.mktemp("model")
    classifier = build_classifier(arch="basic_cnn", input_size=48)
    path, _ = export(classifier, out=out, card={"architecture": "basic_cnn", "name": "test-basic-cnn"})
    return path


@pytest.fixture(scope="session")
def detectable_faces() -> list[bytes]:
    """Real FER2013 faces that the detector finds once scaled up into a scene."""
    detector = FaceDetector()
    found = [
        jpeg
        for _, jpeg in fer_samples(per_class=4, split="val")
        if len(detector.detect(np.asarray(scene_with_faces([jpeg])))) == 1
    ]
    assert len(found) >= 4, "too few detectable FER faces for the photo tests"
    return found


@dataclass(frozen=True)
class RunningService:
    url: str
    tmpdir: Path  # the service's TMPDIR: uploads must never appear here


@pytest.fixture(scope="module")
def service(small_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    port = free_port()
    tmpdir = tmp_path_factory.mktemp("service-tmp")
    env = {"EMOTION_PORT": str(port), "EMOTION_MODEL_PATH": str(small_model), "TMPDIR": str(tmpdir)}
    with running_service("emotion_service", env=env, port=port, timeout=120) as url:
        yield RunningService(url=url, tmpdir=tmpdir)

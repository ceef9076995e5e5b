from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from moodtune_vision.detectors import make_detector
from support.catalogs import synthetic_tracks, write_114k
from support.faces import fer_samples, scene_with_faces
from support.models import export_untrained
from support.stack import LocalStack, local_stack
from training.catalog.build import build_catalog


@pytest.fixture(scope="session")
def synthetic_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog artifact built by the real job from a small 114k-layout file the test writes."""
    root = tmp_path_factory.mktemp("catalog")
    source = write_114k(root / "dataset.csv", synthetic_tracks(), extra_genre_rows=10)
    out = root / "artifact"
    build_catalog(source, out, k=4)
    return out


@pytest.fixture(scope="session")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small, untrained model in the real artifact format (file + card), exported by the training job,
    with the LiteRT measurement on its card that a CPU service needs to serve it on LiteRT."""
    return export_untrained("basic_cnn", tmp_path_factory.mktemp("model"), name="test-basic-cnn", litert=True)


@pytest.fixture(scope="session")
def detectable_faces() -> list[bytes]:
    """Real FER2013 faces that the detector finds once scaled up into a scene."""
    detector = make_detector()
    found = [
        jpeg
        for _, jpeg in fer_samples(per_class=4, split="val")
        if len(detector.detect(np.asarray(scene_with_faces([jpeg])))) == 1
    ]
    assert len(found) >= 4, "too few detectable FER faces for the photo tests"
    return found


@pytest.fixture(scope="session")
def services(small_model: Path) -> Iterator[LocalStack]:
    """The three services as their own processes on loopback (the emotion-service on the small test model)."""
    with local_stack(small_model, emotion={"EMOTION_PRECISION": "float32"}, emotion_timeout=120) as stack:
        yield stack

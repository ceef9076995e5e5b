from pathlib import Path

import numpy as np
import pytest

from moodtune_vision.detectors import make_detector
from tests.helpers import fer_samples, scene_with_faces, synthetic_tracks, write_114k
from training.catalog.__main__ import main as catalog_main


@pytest.fixture(scope="session")
def synthetic_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog artifact built by the real job from a small 114k-layout file the test writes."""
    root = tmp_path_factory.mktemp("catalog")
    source = write_114k(root / "dataset.csv", synthetic_tracks(), extra_genre_rows=10)
    out = root / "artifact"
    assert catalog_main(["build", "--input", str(source), "--out", str(out), "--k", "4"]) == 0
    return out


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
    detector = make_detector()
    found = [
        jpeg
        for _, jpeg in fer_samples(per_class=4, split="val")
        if len(detector.detect(np.asarray(scene_with_faces([jpeg])))) == 1
    ]
    assert len(found) >= 4, "too few detectable FER faces for the photo tests"
    return found

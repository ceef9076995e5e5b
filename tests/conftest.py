from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from moodtune_vision.detectors import make_detector
from support.catalogs import synthetic_tracks, write_114k
from support.faces import fer_samples, scene_with_faces
from support.models import export_untrained
from support.processes import free_port, running_service
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
    """A small, untrained model in the real artifact format (file + card), exported by the training job."""
    return export_untrained("basic_cnn", tmp_path_factory.mktemp("model"), name="test-basic-cnn")


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


@dataclass(frozen=True)
class Services:
    gateway: str
    emotion: str
    recommender: str


@pytest.fixture(scope="session")
def services(small_model: Path) -> Iterator[Services]:
    """The three services as their own processes on loopback (the emotion-service on the small test model)."""
    ports = [free_port() for _ in range(3)]
    with (
        running_service("recommender_service", env={"RECOMMENDER_PORT": str(ports[0])}, port=ports[0]) as rec,
        running_service(
            "emotion_service",
            env={
                "EMOTION_PORT": str(ports[1]),
                "EMOTION_MODEL_PATH": str(small_model),
                "EMOTION_PRECISION": "float32",
            },
            port=ports[1],
            timeout=120,
        ) as emo,
        running_service(
            "gateway",
            env={"GATEWAY_PORT": str(ports[2]), "GATEWAY_EMOTION_URL": emo, "GATEWAY_RECOMMENDER_URL": rec},
            port=ports[2],
        ) as gw,
    ):
        yield Services(gateway=gw, emotion=emo, recommender=rec)

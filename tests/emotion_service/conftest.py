from collections.abc import Iterator
from pathlib import Path

import pytest

from support.services import RunningEmotionService, start_emotion_service


@pytest.fixture(scope="module")
def service(small_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmotionService]:
    with start_emotion_service(small_model, tmp_path_factory.mktemp("service-tmp")) as running:
        yield running


@pytest.fixture(scope="module")
def impatient_service(
    small_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningEmotionService]:
    """A service whose bounded queue admits (almost) nothing beside the request it is serving."""
    tmpdir = tmp_path_factory.mktemp("impatient-tmp")
    with start_emotion_service(small_model, tmpdir, EMOTION_MAX_QUEUE_WAIT_S="0.001") as running:
        yield running


@pytest.fixture(scope="module")
def patient_service(
    small_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningEmotionService]:
    """A service whose bounded queue admits any burst a test sends. At the default 1 s bound, whether a
    burst of 21 photos is shed depends on the machine: the measured cost per image came out high
    enough on CI's runner to refuse half of them (as designed), and the test was about batching."""
    tmpdir = tmp_path_factory.mktemp("patient-tmp")
    with start_emotion_service(small_model, tmpdir, EMOTION_MAX_QUEUE_WAIT_S="600") as running:
        yield running

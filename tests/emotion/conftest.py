from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import free_port, running_service


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

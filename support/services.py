"""One service alone as its own process on loopback, set up as a test needs it: the emotion-service on
a given model, the gateway wired to whatever upstreams a test names (the three together: `stack`)."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from support.processes import free_port, running_service


@dataclass(frozen=True)
class RunningEmotionService:
    url: str
    tmpdir: Path  # the service's TMPDIR: uploads must never appear here


@contextlib.contextmanager
def start_emotion_service(model: Path, tmpdir: Path, **env: str) -> Iterator[RunningEmotionService]:
    """The emotion-service on `model`, with `tmpdir` as its TMPDIR and `env` over its defaults."""
    port = free_port()
    env = {"EMOTION_PORT": str(port), "EMOTION_MODEL_PATH": str(model), "TMPDIR": str(tmpdir), **env}
    with running_service("emotion_service", env=env, port=port, timeout=120) as url:
        yield RunningEmotionService(url=url, tmpdir=tmpdir)


def start_gateway(**env: str) -> contextlib.AbstractContextManager[str]:
    """A gateway alone (ready as soon as it answers /healthz), wired to whatever `env` says."""
    port = free_port()
    return running_service(
        "gateway", env={"GATEWAY_PORT": str(port), **env}, port=port, ready_path="/healthz"
    )

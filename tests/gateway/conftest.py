import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.processes import free_port, running_service


@dataclass(frozen=True)
class Stack:
    gateway: str
    emotion: str
    recommender: str


@pytest.fixture(scope="package")
def stack(small_model: Path) -> Iterator[Stack]:
    """All three services as their own processes on loopback, on the committed catalog."""
    ports = [free_port() for _ in range(3)]
    with (
        running_service("recommender_service", env={"RECOMMENDER_PORT": str(ports[0])}, port=ports[0]) as rec,
        running_service(
            "emotion_service",
            env={"EMOTION_PORT": str(ports[1]), "EMOTION_MODEL_PATH": str(small_model)},
            port=ports[1],
            timeout=120,
        ) as emo,
        running_service(
            "gateway",
            env={"GATEWAY_PORT": str(ports[2]), "GATEWAY_EMOTION_URL": emo, "GATEWAY_RECOMMENDER_URL": rec},
            port=ports[2],
        ) as gw,
    ):
        yield Stack(gateway=gw, emotion=emo, recommender=rec)


def start_gateway(**env: str) -> contextlib.AbstractContextManager[str]:
    """A gateway alone (ready as soon as it answers /healthz), wired to whatever `env` says."""
    port = free_port()
    return running_service(
        "gateway", env={"GATEWAY_PORT": str(port), **env}, port=port, ready_path="/healthz"
    )

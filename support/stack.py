"""The three services as their own processes on loopback, wired as `make run` wires them: for the
tests' `services` fixture and the benchmarks that drive real HTTP."""

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from support.processes import free_port, running_process, running_service


@dataclass(frozen=True)
class LocalStack:
    gateway: str
    emotion: str
    recommender: str
    emotion_pid: int  # for its memory over a soak


@contextlib.contextmanager
def local_stack(
    model: Path,
    *,
    emotion: Mapping[str, str] | None = None,
    gateway: Mapping[str, str] | None = None,
    quiet: bool = False,
    emotion_timeout: float = 240.0,
) -> Iterator[LocalStack]:
    """Recommender, emotion-service (on `model`) and gateway on free ports, each with its own
    settings from `emotion` / `gateway` (env names with their prefix) over the defaults; `quiet`
    (benchmarks) logs warnings only: one line per refused request under load would be noise."""
    ports = [free_port() for _ in range(3)]

    def env(prefix: str, port: int, extra: Mapping[str, str] | None) -> dict[str, str]:
        logs = {"TF_CPP_MIN_LOG_LEVEL": "3", f"{prefix}_LOG_LEVEL": "warning"}
        return {f"{prefix}_PORT": str(port), **(logs if quiet else {}), **(extra or {})}

    with (
        running_service("recommender_service", env=env("RECOMMENDER", ports[0], None), port=ports[0]) as rec,
        running_process(
            "emotion_service",
            env=env("EMOTION", ports[1], {"EMOTION_MODEL_PATH": str(model), **(emotion or {})}),
            port=ports[1],
            timeout=emotion_timeout,
        ) as (emo, emotion_process),
        running_service(
            "gateway",
            env=env(
                "GATEWAY",
                ports[2],
                {"GATEWAY_EMOTION_URL": emo, "GATEWAY_RECOMMENDER_URL": rec, **(gateway or {})},
            ),
            port=ports[2],
        ) as gw,
    ):
        yield LocalStack(gateway=gw, emotion=emo, recommender=rec, emotion_pid=emotion_process.pid)

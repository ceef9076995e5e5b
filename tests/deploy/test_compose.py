"""`docker compose up`, verified on a real container engine (rootful podman serving the Docker API).

CI has no Docker engine and no image registry, so docker/podman-setup.sh runs podman and builds a
local stand-in for python:3.11-slim (Debian bookworm's python3 3.11; see that script for how it
differs). Then, as a user would: validate both compose files, build every image, start the CPU
stack, wait for health, send a real face photo through the gateway, get songs, tear down.
Podman runs healthchecks from systemd timers; without systemd this test runs them itself.
Runs where CI=true or MOODTUNE_CONTAINER_TEST=1 (it builds TensorFlow images: several minutes).
"""

import subprocess
import threading
from collections.abc import Iterator

import pytest

from support.paths import REPO
from tests.deploy.conftest import (
    CPU_FILE,
    PROJECT,
    SERVICES,
    assert_a_photo_gets_songs,
    compose,
    needs_container_engine,
    wait_until_ready,
)

pytestmark = needs_container_engine


def _pump_healthchecks(stop: threading.Event) -> None:
    while not stop.is_set():
        for service in SERVICES:
            subprocess.run(
                ["podman", "healthcheck", "run", f"{PROJECT}_{service}_1"], capture_output=True, timeout=30
            )
        stop.wait(3)


@pytest.fixture(scope="module")
def running_stack(engine_env: dict[str, str]) -> Iterator[str]:
    compose("--profile", "training", "-f", CPU_FILE, "build", env=engine_env)
    stop = threading.Event()
    pump = threading.Thread(target=_pump_healthchecks, args=(stop,), daemon=True)
    try:
        pump.start()
        # `up` returns once the gateway starts, i.e. after both services report healthy.
        compose("-f", CPU_FILE, "up", "-d", env=engine_env, timeout=600)
        url = f"http://127.0.0.1:{engine_env['MOODTUNE_PORT']}"
        wait_until_ready(
            url, explain=lambda: compose("-f", CPU_FILE, "logs", "--tail", "50", env=engine_env).stdout
        )
        yield url
    finally:
        stop.set()
        subprocess.run(
            ["docker-compose", "-p", PROJECT, "-f", CPU_FILE, "down", "-v"],
            cwd=REPO,
            env=engine_env,
            timeout=300,
        )


def test_both_compose_files_validate(engine_env: dict[str, str]) -> None:
    gpu = compose("-f", "docker-compose.yml", "config", env=engine_env).stdout
    assert "driver: nvidia" in gpu and "condition: service_healthy" in gpu
    cpu = compose("-f", CPU_FILE, "config", env=engine_env).stdout
    assert "nvidia" not in cpu and "TENSORFLOW: cpu" in cpu
    services = compose(
        "-f", "docker-compose.yml", "--profile", "training", "config", "--services", env=engine_env
    )
    assert set(services.stdout.split()) == {*SERVICES, "training"}


def test_compose_up_serves_a_face_photo_through_the_gateway(
    running_stack: str, engine_env: dict[str, str], detectable_faces: list[bytes]
) -> None:
    assert_a_photo_gets_songs(running_stack, detectable_faces[0])
    ps = compose("-f", CPU_FILE, "ps", env=engine_env).stdout
    assert ps.count("Up") >= 3
    users = subprocess.run(
        ["podman", "exec", f"{PROJECT}_gateway_1", "id", "-u"], capture_output=True, text=True, check=True
    )
    assert users.stdout.strip() != "0"  # services run as a non-root user


def test_the_training_image_runs_the_catalog_job(engine_env: dict[str, str], running_stack: str) -> None:
    result = compose(
        "--profile",
        "training",
        "-f",
        CPU_FILE,
        "run",
        "--rm",
        "training",
        "python",
        "-m",
        "training.catalog",
        "--help",
        env=engine_env,
        timeout=300,
    )
    assert "build" in result.stdout

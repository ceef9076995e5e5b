"""`docker compose up`, verified on a real container engine (rootful podman serving the Docker API).

CI has no Docker engine and no image registry, so docker/podman-setup.sh runs podman and builds a
local stand-in for python:3.11-slim (Debian bookworm's python3 3.11; see that script for how it
differs). Then, as a user would: validate both compose files, build every image, start the CPU
stack, wait for health, send a real face photo through the gateway, get songs, kill the
emotion-service's process and watch the stack come back, tear down.
Podman runs healthchecks from systemd timers; without systemd this test runs them itself.
Runs where CI=true or MOODTUNE_CONTAINER_TEST=1 (it builds TensorFlow images: several minutes).
"""

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from support.containers import (
    CPU_FILE,
    PROJECT,
    SERVICES,
    assert_a_photo_gets_songs,
    compose,
    needs_container_engine,
    wait_until_ready,
)
from support.faces import image_bytes, scene_with_faces
from support.paths import REPO

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


def test_a_killed_emotion_service_restarts_and_the_stack_answers_again(
    running_stack: str, engine_env: dict[str, str], detectable_faces: list[bytes]
) -> None:
    """A crash, as the kernel's OOM killer makes one: SIGKILL to the container's process from the
    host (not `podman kill`, which counts as a stop by the user). `restart: unless-stopped` brings
    it back; meanwhile the gateway answers 503 naming it, never a hang or a 500."""
    container = f"{PROJECT}_emotion-service_1"
    photo = image_bytes(scene_with_faces([detectable_faces[0]]), "JPEG", quality=92)

    def inspect(field: str) -> str:
        return subprocess.run(
            ["podman", "inspect", "--format", field, container], capture_output=True, text=True, check=True
        ).stdout.strip()

    def recommend() -> httpx.Response:
        files = {"image": ("me.jpg", photo, "image/jpeg")}
        return httpx.post(f"{running_stack}/recommend", files=files, timeout=30)

    assert recommend().status_code == 200
    restarts = int(inspect("{{.RestartCount}}"))
    os.kill(int(inspect("{{.State.Pid}}")), signal.SIGKILL)
    killed = time.monotonic()
    down: list[httpx.Response] = []
    while time.monotonic() - killed < 300:
        response = recommend()
        if response.status_code == 200:
            break
        down.append(response)
        time.sleep(0.5)
    recovered_s = time.monotonic() - killed
    print(
        f"\nemotion-service killed: {len(down)} answers 503 while it was down, "
        f"200 again after {recovered_s:.1f} s"
    )
    assert response.status_code == 200, (
        f"not back in 300 s:\n{compose('-f', CPU_FILE, 'logs', '--tail', '30', env=engine_env).stdout}"
    )
    assert down, "the gateway answered 200 while its emotion-service was down"
    for answer in down:
        error = answer.json()["error"]
        assert answer.status_code == 503 and error["code"] == "upstream_unavailable", answer.text
        assert error["details"]["service"] == "emotion-service"
    assert int(inspect("{{.RestartCount}}")) == restarts + 1

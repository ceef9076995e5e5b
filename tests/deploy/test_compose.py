"""`docker compose up`, verified on a real container engine (rootful podman serving the Docker API).

CI has no Docker engine and no image registry, so docker/podman-setup.sh runs podman and builds a
local stand-in for python:3.11-slim (Debian bookworm's python3 3.11; see that script for how it
differs). Then, as a user would: validate both compose files, build every image, start the CPU
stack, wait for health, send a real face photo through the gateway, get songs, tear down.
Podman runs healthchecks from systemd timers; without systemd this test runs them itself.
Runs where CI=true or MOODTUNE_CONTAINER_TEST=1 (it builds TensorFlow images: several minutes).
"""

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from support.faces import image_bytes, scene_with_faces
from support.paths import REPO
from support.processes import free_port

pytestmark = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("MOODTUNE_CONTAINER_TEST")),
    reason="builds container images; runs in CI or with MOODTUNE_CONTAINER_TEST=1",
)
SOCKET = "/run/moodtune-podman.sock"
PROJECT = "moodtune-ci"
CPU_FILE = "docker-compose.cpu.yml"
SERVICES = ("recommender-service", "emotion-service", "gateway")
# Building every image from cold added ~5 GiB net on the dev box, more at its peak, before the
# images it replaced were pruned; the rest is margin for pip's downloads and pytest's tmp dirs.
BUILD_NEEDS_GIB = 15
BUILD_STAGE_LABEL = "org.moodtune.stage=build"  # set in each Dockerfile's build stage


def compose(*args: str, env: dict[str, str], timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["docker-compose", "-p", PROJECT, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"docker-compose {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


def _free_gib(path: str) -> float:
    return shutil.disk_usage(path).free / 2**30


def prune_untagged_images(*, created_before: str, keep_build_stages: bool) -> None:
    """Remove untagged images created before `created_before` (RFC 3339).

    Every build that changes a layer leaves the image it replaced untagged, and every multi-stage
    build leaves its build stage untagged. CI's engine keeps its storage between runs, so without
    pruning the disk fills up (it did, at ~300 images). Build stages hold the pip installs, the
    slow part of a build, so they are kept as layer cache unless space runs short. A code change
    still leaves its old build stage behind, but all it owns is the code (~0.4 MB each).
    """
    filters = ["--filter", f"until={created_before}"]
    if keep_build_stages:
        filters += ["--filter", f"label!={BUILD_STAGE_LABEL}"]
    subprocess.run(
        ["podman", "image", "prune", "--force", *filters], check=True, capture_output=True, timeout=600
    )


@pytest.fixture(scope="module")
def engine_env() -> Iterator[dict[str, str]]:
    for tool in ("podman", "docker-compose", "debootstrap"):
        assert shutil.which(tool), f"{tool} missing: apt-get install podman docker-compose debootstrap"
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "bash", str(REPO / "docker" / "podman-setup.sh")], check=True, timeout=900)
    storage = subprocess.run(
        ["podman", "info", "--format", "{{.Store.GraphRoot}}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if _free_gib(storage) < BUILD_NEEDS_GIB:  # the layer cache goes before a build fails half-way
        prune_untagged_images(created_before=started, keep_build_stages=False)
    free = _free_gib(storage)
    assert free >= BUILD_NEEDS_GIB, (
        f"{free:.1f} GiB free under {storage}; building every image from cold needs "
        f"~{BUILD_NEEDS_GIB} GiB. Free some (`podman system df`, `podman image prune`)."
    )
    try:
        yield {**os.environ, "DOCKER_HOST": f"unix://{SOCKET}", "MOODTUNE_PORT": str(free_port())}
    finally:
        prune_untagged_images(created_before=started, keep_build_stages=True)


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
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=3).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, compose(
                "-f", CPU_FILE, "logs", "--tail", "50", env=engine_env
            ).stdout
            time.sleep(2)
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
    photo = image_bytes(scene_with_faces(detectable_faces[:1]), "JPEG", quality=92)
    response = httpx.post(
        f"{running_stack}/recommend",
        files={"image": ("me.jpg", photo, "image/jpeg")},
        params={"limit": 5},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["face"]["detected"] is True and len(body["tracks"]) == 5
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

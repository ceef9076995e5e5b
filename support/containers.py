"""The container engine the deployment tests share: rootful podman serving the Docker API
(docker/podman-setup.sh), its disk kept in check, docker-compose against it, and what the tests ask
of the system it runs (tests/deploy/conftest.py starts it once for them)."""

import os
import shutil
import subprocess
import time
from collections.abc import Callable

import httpx
import pytest

from support.faces import image_bytes, scene_with_faces
from support.paths import REPO

needs_container_engine = pytest.mark.skipif(
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


def free_gib(path: str) -> float:
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


def assert_a_photo_gets_songs(gateway: str, face: bytes) -> None:
    """What a user does first: one real face photo through the gateway, five songs back."""
    photo = image_bytes(scene_with_faces([face]), "JPEG", quality=92)
    response = httpx.post(
        f"{gateway}/recommend",
        files={"image": ("me.jpg", photo, "image/jpeg")},
        params={"limit": 5},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["face"]["detected"] is True and len(body["tracks"]) == 5


def wait_until_ready(url: str, *, explain: Callable[[], str], timeout_s: float = 300) -> None:
    """Poll `url`/readyz until it answers 200; past the deadline, fail with what `explain` says."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=3).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} was not ready in {timeout_s:.0f} s:\n{explain()}")
        time.sleep(2)

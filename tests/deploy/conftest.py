"""The container engine the deployment tests share, set up once for the package (support/containers.py
holds what the tests do with it)."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from support.containers import BUILD_NEEDS_GIB, SOCKET, free_gib, prune_untagged_images
from support.paths import REPO
from support.processes import free_port


@pytest.fixture(scope="package")
def engine_env() -> Iterator[dict[str, str]]:
    for tool in ("podman", "docker-compose", "debootstrap"):
        assert shutil.which(tool), f"{tool} missing: apt-get install podman docker-compose debootstrap"
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "bash", str(REPO / "docker" / "podman-setup.sh")], check=True, timeout=900)
    storage = subprocess.run(
        ["podman", "info", "--format", "{{.Store.GraphRoot}}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if free_gib(storage) < BUILD_NEEDS_GIB:  # the layer cache goes before a build fails half-way
        prune_untagged_images(created_before=started, keep_build_stages=False)
    free = free_gib(storage)
    assert free >= BUILD_NEEDS_GIB, (
        f"{free:.1f} GiB free under {storage}; building every image from cold needs "
        f"~{BUILD_NEEDS_GIB} GiB. Free some (`podman system df`, `podman image prune`)."
    )
    try:
        yield {**os.environ, "DOCKER_HOST": f"unix://{SOCKET}", "MOODTUNE_PORT": str(free_port())}
    finally:
        prune_untagged_images(created_before=started, keep_build_stages=True)

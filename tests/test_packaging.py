"""Every part pins its dependencies, and the parts agree on each version."""

import re
import subprocess
import sys
import tomllib

import pytest

from tests.deploy.test_compose import BUILD_STAGE_LABEL
from tests.helpers import REPO

PARTS = ["contracts", "training", "recommender-service", "emotion-service", "gateway"]
LOCAL = {"moodtune-contracts"}


def _requirements() -> list[tuple[str, str]]:
    found = []
    for part in PARTS:
        project = tomllib.loads((REPO / part / "pyproject.toml").read_text())["project"]
        for req in project["dependencies"] + sum(project.get("optional-dependencies", {}).values(), []):
            found.append((part, req))
    for line in (REPO / "requirements-dev.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            found.append(("requirements-dev.txt", line.strip()))
    return found


def test_every_dependency_is_pinned_exactly() -> None:
    for part, req in _requirements():
        name = re.split(r"[\[=<>!~ ]", req)[0]
        if name not in LOCAL:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[0-9][A-Za-z0-9.]*", req), f"{part}: {req}"


def test_parts_agree_on_every_version() -> None:
    versions: dict[str, set[str]] = {}
    for _, req in _requirements():
        if "==" in req:
            name, version = req.split("==")
            versions.setdefault(re.sub(r"\[.*\]", "", name).lower(), set()).add(version)
    assert {n: v for n, v in versions.items() if len(v) > 1} == {}


# Packages the light services' images do not install (see each pyproject): importing a shared
# contract that pulls one of them in would crash the container at start.
HEAVY = ["cv2", "tensorflow", "keras", "PIL", "mtcnn", "pandas", "sklearn", "matplotlib"]


@pytest.mark.parametrize("module", ["gateway.main", "recommender_service.main"])
def test_light_services_start_without_the_heavy_packages(module: str) -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {HEAVY!r}: sys.modules[name] = None  # makes `import name` fail\n"
        f"importlib.import_module({module!r}).create_app()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("part", ["training", "recommender-service", "emotion-service", "gateway"])
def test_only_the_build_stage_carries_the_label_that_pruning_keeps(part: str) -> None:
    # tests/deploy prunes untagged images but keeps those with this label as layer cache: on a
    # final stage it would keep every replaced image; missing from a build stage, no cache.
    stages = re.split(r"^FROM ", (REPO / part / "Dockerfile").read_text(), flags=re.MULTILINE)[1:]
    names = [re.sub(r"^\S+( AS )?", "", stage.splitlines()[0]) or "final" for stage in stages]
    label = f"LABEL {BUILD_STAGE_LABEL}"
    labelled = [name for name, stage in zip(names, stages, strict=True) if label in stage]
    assert names[-1] == "final" and labelled == ["build"]

"""Every part pins its dependencies, and the parts agree on each version."""

import re
import tomllib

import pytest

from support.containers import BUILD_STAGE_LABEL
from support.paths import REPO

PARTS = [
    "contracts",
    "vision",
    "service-kit",
    "training",
    "recommender-service",
    "emotion-service",
    "gateway",
]
LOCAL = {"moodtune-contracts", "moodtune-vision", "moodtune-service-kit"}


def _requirements() -> list[tuple[str, str]]:
    found = []
    for part in PARTS:
        project = tomllib.loads((REPO / part / "pyproject.toml").read_text())["project"]
        for req in project["dependencies"] + sum(project.get("optional-dependencies", {}).values(), []):
            found.append((part, req))
    for req in tomllib.loads((REPO / "pyproject.toml").read_text())["dependency-groups"]["dev"]:
        found.append(("dev", req))
    return found


def test_every_dependency_is_pinned_exactly() -> None:
    for part, req in _requirements():
        name = re.split(r"[\[=<>!~ ]", req)[0]
        if name not in LOCAL:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,-]+\])?==[0-9][A-Za-z0-9.]*", req), f"{part}: {req}"


def test_parts_agree_on_every_version() -> None:
    versions: dict[str, set[str]] = {}
    for _, req in _requirements():
        if "==" in req:
            name, version = req.split("==")
            versions.setdefault(re.sub(r"\[.*\]", "", name).lower(), set()).add(version)
    assert {n: v for n, v in versions.items() if len(v) > 1} == {}


def _closure(part: str) -> set[str]:
    """Every requirement a part installs, through the local packages it depends on."""
    project = tomllib.loads((REPO / part / "pyproject.toml").read_text())["project"]
    found: set[str] = set()
    for req in project["dependencies"]:
        name = re.split(r"[\[=<>!~ ]", req)[0]
        found.add(name)
        if name in LOCAL:
            found |= _closure(name.removeprefix("moodtune-"))
    return found


# What the vision stack installs: a part without moodtune-vision cannot import OpenCV or TensorFlow.
HEAVY = {"moodtune-vision", "tensorflow", "opencv-python-headless", "mtcnn", "keras", "pillow"}


@pytest.mark.parametrize("part", ["contracts", "service-kit", "gateway", "recommender-service"])
def test_light_parts_do_not_install_the_vision_stack(part: str) -> None:
    assert _closure(part) & HEAVY == set()


def test_contracts_install_pydantic_alone() -> None:
    assert _closure("contracts") == {"pydantic"}


def test_only_the_build_stage_carries_the_label_that_pruning_keeps() -> None:
    # tests/deploy prunes untagged images but keeps those with this label as layer cache: on a
    # final stage it would keep every replaced image; missing from a build stage, no cache.
    stages = re.split(r"^FROM ", (REPO / "docker" / "Dockerfile").read_text(), flags=re.MULTILINE)[1:]
    names = [re.sub(r"^\S+( AS )?", "", stage.splitlines()[0]) or "final" for stage in stages]
    label = f"LABEL {BUILD_STAGE_LABEL}"
    labelled = [name for name, stage in zip(names, stages, strict=True) if label in stage]
    assert names[-1] == "final" and labelled == ["build"]


def test_one_dockerfile_builds_every_service_the_compose_files_name() -> None:
    assert [p.parent.name for p in REPO.glob("*/Dockerfile")] == ["docker"]  # no per-part copies
    for compose in ("docker-compose.yml", "docker-compose.cpu.yml"):
        text = (REPO / compose).read_text()
        assert "dockerfile: docker/Dockerfile" in text and "/Dockerfile\n" not in text.replace("docker/", "")


def test_the_makefile_installs_the_uv_the_lock_was_made_with() -> None:
    dev = tomllib.loads((REPO / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    makefile = (REPO / "Makefile").read_text()
    dockerfile = (REPO / "docker" / "Dockerfile").read_text()
    version = next(req.split("==")[1] for req in dev if req.startswith("uv=="))
    assert f"UV_VERSION := {version}\n" in makefile and f"uv=={version}" in dockerfile

"""Print a part's pinned dependencies (with the contracts extras it asks for) for `pip install -r`.

Images install dependencies in a layer of their own, before the code is copied, so a code change
does not reinstall them; the pins still come from the one place they are declared, the parts'
pyproject.toml files. `--gpu` swaps TensorFlow for its CUDA build.

    python docker/pins.py emotion-service [--gpu] > requirements.txt
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def project(part: str) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / part / "pyproject.toml").read_text())["project"]


def pins(part: str) -> list[str]:
    found: list[str] = []
    for requirement in project(part)["dependencies"]:
        local = re.fullmatch(r"moodtune-contracts(?:\[(.*)\])?", requirement)
        if local:
            contracts = project("contracts")
            found += contracts["dependencies"]
            for extra in filter(None, (local.group(1) or "").split(",")):
                found += contracts["optional-dependencies"][extra.strip()]
        else:
            found.append(requirement)
    return list(dict.fromkeys(found))


if __name__ == "__main__":
    part, gpu = sys.argv[1], "--gpu" in sys.argv[2:]
    for requirement in pins(part):
        if gpu and requirement.startswith("tensorflow=="):
            requirement = requirement.replace("tensorflow==", "tensorflow[and-cuda]==")
        print(requirement)

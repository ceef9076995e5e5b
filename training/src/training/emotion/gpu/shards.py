"""A model file in pieces small enough to come back from the GPU machine, and put back together.

For GPU hosts that return only a few small files: a float16 ResNet50V2 comes back as a few parts.
Standard library only: this runs on the GPU machine too.
"""

import hashlib
from pathlib import Path

PART_BYTES = 15 * 2**20  # under 16 MiB, for hosts that limit the size of each returned file
PART_SUFFIX = ".part"


def split_file(path: Path, out: Path, *, part_bytes: int = PART_BYTES) -> list[Path]:
    """`path` -> `out/<name>.part00`, `.part01`, ... each at most `part_bytes`."""
    out.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    with path.open("rb") as source:
        while chunk := source.read(part_bytes):
            part = out / f"{path.name}{PART_SUFFIX}{len(parts):02d}"
            part.write_bytes(chunk)
            parts.append(part)
    return parts


def join_parts(folder: Path, name: str, target: Path, *, sha256: str) -> Path:
    """Put `folder/<name>.partNN` back together as `target`; refuse it unless its sha256 is `sha256`."""
    parts = sorted(folder.glob(f"{name}{PART_SUFFIX}[0-9][0-9]"))
    if not parts:
        raise FileNotFoundError(f"no {name}{PART_SUFFIX}NN files in {folder}")
    data = b"".join(part.read_bytes() for part in parts)
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ValueError(
            f"{len(parts)} parts of {name} make sha256 {digest[:12]}..., the card says {sha256[:12]}..."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target

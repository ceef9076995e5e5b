"""Real FER2013 faces and a real portrait from the committed fixtures, and 'photos' composed from them."""

import io
from collections.abc import Sequence

from moodtune_vision.detectors import FaceBox
from support.paths import REPO

# Real FER2013 faces committed with the tests (their SOURCE.md), so a clone alone passes `make test`.
FER_FIXTURE = REPO / "tests" / "fixtures" / "fer2013"
# A real colour photo of a person (head, hair, shoulders): public domain, see its SOURCE.md.
PORTRAIT = REPO / "tests" / "fixtures" / "photos" / "astronaut.jpg"
PORTRAIT_FACE = (177, 67, 95, 107)  # x, y, width, height of the face (brows to chin) in PORTRAIT


def fer_samples(per_class: int, *, split: str = "val") -> list[tuple[str, bytes]]:
    """The first `per_class` real FER2013 JPEGs of each class, in file-name order: (label, bytes)."""
    picked: list[tuple[str, bytes]] = []
    for folder in sorted(p for p in (FER_FIXTURE / split).iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.jpg"))[:per_class]
        if len(files) < per_class:
            raise ValueError(f"{folder} holds {len(files)} faces, {per_class} asked for")
        picked.extend((folder.name, file.read_bytes()) for file in files)
    return picked


def image_bytes(image: "object", fmt: str, **save_args: object) -> bytes:
    """Encode a PIL image in memory."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_args)  # type: ignore[attr-defined]
    return buffer.getvalue()


def scene_with_faces(
    faces: Sequence[bytes], *, face_side: int = 160, size: tuple[int, int] = (720, 400)
) -> "object":
    """A plain grey 'photo' with each FER face scaled up and placed side by side."""
    from PIL import Image

    scene = Image.new("L", size, color=120)
    for i, jpeg in enumerate(faces):
        face = Image.open(io.BytesIO(jpeg)).convert("L").resize((face_side, face_side))
        scene.paste(face, (60 + i * (face_side + 120), (size[1] - face_side) // 2))
    return scene


def iou(a: FaceBox, b: FaceBox) -> float:
    """Intersection over union of two boxes."""
    x1, y1 = max(a.x, b.x), max(a.y, b.y)
    x2, y2 = min(a.x + a.width, b.x + b.width), min(a.y + a.height, b.y + b.height)
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / float(a.area + b.area - inter) if inter else 0.0

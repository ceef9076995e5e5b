"""Photos composed from the committed real images, with where their faces are: for the detector
and photo benchmarks (and tests that need many faces at known places)."""

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from moodtune_vision.detectors import FaceBox
from support.faces import PORTRAIT, PORTRAIT_FACE, image_bytes


@dataclass(frozen=True)
class Photo:
    jpeg: bytes
    truths: list[FaceBox]


def _rotated(image: np.ndarray, degrees: float, centre: tuple[float, float]) -> np.ndarray:
    matrix = cv2.getRotationMatrix2D(centre, degrees, 1.0)
    return cv2.warpAffine(image, matrix, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REFLECT)


def portrait_scenes(
    size: tuple[int, int],
    count: int,
    *,
    seed: int,
    variant: str = "colour",
    face_range: tuple[float, float] = (0.1, 0.3),
) -> list[Photo]:
    """`count` scenes of `size`, each with 1-4 copies of the portrait (cycling), faces sized as a
    fraction of the scene's shorter side (or 24-48 px for variant 'small')."""
    rng = np.random.default_rng(seed)
    portrait = np.asarray(Image.open(PORTRAIT).convert("RGB"))
    fx, fy, fw, fh = PORTRAIT_FACE
    width, height = size
    photos = []
    for index in range(count):
        faces = 1 + index % 4
        noise = rng.integers(40, 215, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
        scene = cv2.resize(
            cv2.GaussianBlur(noise, (0, 0), 2), (width, height), interpolation=cv2.INTER_LINEAR
        )
        columns = 1 if faces == 1 else 2
        rows = 1 if faces <= 2 else 2
        cell_w, cell_h = width // columns, height // rows
        truths = []
        for k in range(faces):
            if variant == "small":
                face_side = float(rng.uniform(24, 48))
            else:
                face_side = float(rng.uniform(*face_range)) * min(height, width)
            factor = face_side / fw
            side = int(portrait.shape[0] * factor)
            side = min(side, cell_w, cell_h)  # the portrait fits its cell
            factor = side / portrait.shape[0]
            tile = cv2.resize(
                portrait, (side, side), interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
            )
            if variant == "rotated":
                angle = float(rng.uniform(-20, 20))
                tile = _rotated(tile, angle, ((fx + fw / 2) * factor, (fy + fh / 2) * factor))
            left = (k % columns) * cell_w + int(rng.integers(0, cell_w - side + 1))
            top = (k // columns) * cell_h + int(rng.integers(0, cell_h - side + 1))
            scene[top : top + side, left : left + side] = tile
            truths.append(
                FaceBox(
                    round(left + fx * factor),
                    round(top + fy * factor),
                    round(fw * factor),
                    round(fh * factor),
                )
            )
        image = Image.fromarray(scene)
        if variant == "grey":
            image = image.convert("L")
        photos.append(Photo(image_bytes(image, "JPEG", quality=90), truths))
    return photos


def fer_scenes(faces: list[np.ndarray], per_scene: int, seed: int) -> list[Photo]:
    """FER faces scaled to 120-220 px at random spots of a textured 960x720 grey scene."""
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, len(faces) - per_scene + 1, per_scene):
        scene = cv2.GaussianBlur(rng.integers(60, 190, (720, 960), dtype=np.uint8), (0, 0), 6)
        truths = []
        for k in range(per_scene):
            side = int(rng.integers(120, 220))
            if per_scene == 2:
                x = int(rng.integers(20 + k * 470, 470 + k * 470 - side))
            else:
                x = int(rng.integers(20, 940 - side))
            y = int(rng.integers(20, 700 - side))
            scene[y : y + side, x : x + side] = cv2.resize(
                faces[start + k], (side, side), interpolation=cv2.INTER_CUBIC
            )
            truths.append(FaceBox(x, y, side, side))
        out.append(Photo(image_bytes(Image.fromarray(scene), "JPEG", quality=95), truths))
    return out


def realistic_photos(seed: int = 0) -> list[Photo]:
    """What users send, roughly: 640x480 to 4000x3000, 1 to 4 faces, colour JPEGs (16 photos)."""
    sizes = [(640, 480), (1280, 960), (2016, 1512), (4000, 3000)]
    return [photo for i, size in enumerate(sizes) for photo in portrait_scenes(size, 4, seed=seed + i)]

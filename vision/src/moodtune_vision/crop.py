"""The FER2013-style crop: one implementation for serving and training, so a face looks the same to
the model in both places (no train/serve skew).

A FER2013 face is a 48x48 grey square, roughly from the brows to below the chin; `fer_crop`
reproduces that framing from a detector's box with the detector's `Framing`.
"""

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from moodtune_contracts.analysis import FaceMode
from moodtune_contracts.errors import MoodtuneError
from moodtune_vision.decode import Picture, picture, to_grey
from moodtune_vision.detectors import FaceBox, FaceDetector, Framing

FACE_SIZE = 48
# A tight crop (FER2013 itself, or a user's own face crop) is small and square-ish: detecting a face
# inside it again would zoom in and frame it unlike the training data.
CROP_MAX_SIDE = 160
CROP_ASPECT = (0.8, 1.25)
UNCHANGED = Framing()  # the box's own square


class NoFaceFound(MoodtuneError):
    status_code = 422
    code = "no_face"


@dataclass(frozen=True)
class Face:
    box: FaceBox  # in the (EXIF-rotated) image's pixel coordinates
    pixels: np.ndarray  # FACE_SIZE x FACE_SIZE uint8 grey, the model's input
    detected: bool  # False when the whole image was taken as the face


def looks_like_face_crop(width: int, height: int) -> bool:
    # Symmetric bounds: the answer holds before and after an EXIF rotation.
    return max(height, width) <= CROP_MAX_SIDE and CROP_ASPECT[0] <= width / height <= CROP_ASPECT[1]


def detection_needed(width: int, height: int, mode: FaceMode) -> bool:
    """Whether `extract_faces` will run the detector on an image of this size."""
    return mode is FaceMode.DETECT or (mode is FaceMode.AUTO and not looks_like_face_crop(width, height))


def fer_crop(image: np.ndarray, box: FaceBox, *, framing: Framing = UNCHANGED) -> np.ndarray:
    """The FER-style square for a box (see Framing) of a grey (H, W) or RGB (H, W, 3) image, its edge
    pixels repeated where it leaves the image, in grey, 48x48. Only the square is converted to grey:
    luma is per pixel, so it reads the same as a crop of the whole image in grey."""
    cx, cy, exact_side = framing.square(box)
    side = max(1, int(round(exact_side)))
    left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
    height, width = image.shape[:2]
    if left >= 0 and top >= 0 and left + side <= width and top + side <= height:
        square = image[top : top + side, left : left + side]
    else:  # indices clamped to the edge: OpenCV's BORDER_REPLICATE, without padding the whole image
        rows = np.clip(np.arange(top, top + side), 0, height - 1)
        columns = np.clip(np.arange(left, left + side), 0, width - 1)
        square = image[rows[:, None], columns[None, :]]
    return resize_face(to_grey(square))


def resize_face(grey: np.ndarray) -> np.ndarray:
    """Any grey image to the model's 48x48 (centre square; area averaging when shrinking)."""
    height, width = grey.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = grey[top : top + side, left : left + side]
    interpolation = cv2.INTER_AREA if side > FACE_SIZE else cv2.INTER_LINEAR
    return cv2.resize(square, (FACE_SIZE, FACE_SIZE), interpolation=interpolation)


def extract_faces(picture: Picture, *, mode: FaceMode, detector: FaceDetector) -> list[Face]:
    """Every face as a model-ready 48x48 crop, the largest (primary) first; boxes in the upright
    original's pixels (a picture decoded at reduced size is cropped at that size: see `picture`)."""
    width, height = picture.size
    if not detection_needed(width, height, mode):
        whole = FaceBox(x=0, y=0, width=width, height=height)
        return [Face(box=whole, pixels=resize_face(picture.grey), detected=False)]
    boxes = detector.detect(picture.pixels)
    if not boxes:
        raise NoFaceFound(
            "no face found in the image; use a well-lit, frontal photo, or send a tight face crop "
            "with face=whole",
            details={"width": width, "height": height, "mode": mode.value},
        )
    sx, sy = picture.scale
    return [
        Face(
            box=FaceBox(
                x=round(b.x * sx), y=round(b.y * sy), width=round(b.width * sx), height=round(b.height * sy)
            ),
            pixels=fer_crop(picture.pixels, b, framing=detector.framing),
            detected=True,
        )
        for b in boxes
    ]


def faces_in_image(
    image: Image.Image, *, mode: FaceMode, detector: FaceDetector
) -> tuple[Picture, list[Face]]:
    """An opened image's faces, decoded as detection needs it (a big JPEG at reduced size: see
    `picture`). The one path from an image to model inputs, for serving and for training's `--extra`."""
    width, height = image.size
    reduce_to = detector.decode_min_side if detection_needed(width, height, mode) else None
    decoded = picture(image, reduce_to=reduce_to)
    return decoded, extract_faces(decoded, mode=mode, detector=detector)

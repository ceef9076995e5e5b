"""The analysis use case: an uploaded image in, every face with its emotion out."""

import asyncio
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image

from emotion_service.classifier import EmotionClassifier
from emotion_service.settings import Settings
from moodtune_contracts.analysis import Box, EmotionAnalysis, FaceEmotion, FaceMode, ImageSize, ModelInfo
from moodtune_contracts.emotions import EMOTION_LABELS
from moodtune_contracts.errors import ImageTooLarge, UnsupportedImage
from moodtune_vision.crop import CROP_MAX_SIDE, Face, detection_needed, faces_in_image
from moodtune_vision.decode import open_image
from moodtune_vision.detectors import FaceDetector

# Declared types we accept; the bytes are checked again when decoded. Browsers and curl send
# application/octet-stream for unknown files, so it passes on to content sniffing.
ACCEPTED_CONTENT_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/bmp",
        "image/x-ms-bmp",
        "image/gif",
        "application/octet-stream",
    }
)

# Decoded on the event loop when no larger than this (a face crop; see find_faces).
INLINE_MAX_BYTES = 64 * 1024
INLINE_MAX_PIXELS = CROP_MAX_SIDE * CROP_MAX_SIDE


class Classifies(Protocol):
    async def classify(self, faces: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Upload:
    filename: str | None
    content_type: str | None
    data: bytes


def check_upload(upload: Upload, *, max_bytes: int) -> None:
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared and declared not in ACCEPTED_CONTENT_TYPES:
        raise UnsupportedImage(
            f"content type {declared!r} is not an image type this service reads (JPEG, PNG, WebP, BMP, GIF)",
            details={"content_type": declared},
        )
    if len(upload.data) > max_bytes:
        raise ImageTooLarge(
            f"upload is {len(upload.data):,} bytes; the limit is {max_bytes:,}",
            details={"bytes": len(upload.data), "max_bytes": max_bytes},
        )


def crop_faces(
    image: Image.Image, *, mode: FaceMode, detector: FaceDetector, settings: Settings
) -> tuple[tuple[int, int], list[Face]]:
    """Decode the pixels and crop every face (CPU-bound)."""
    decoded, faces = faces_in_image(image, mode=mode, detector=detector)
    return decoded.size, faces[: settings.max_faces]


async def find_faces(
    data: bytes, *, mode: FaceMode, detector: FaceDetector, settings: Settings
) -> tuple[tuple[int, int], list[Face]]:
    """Small face crops are decoded on the event loop; anything larger, or needing detection, in a
    worker thread so the loop stays free. The hand-off costs more CPU than decoding a 48x48 JPEG
    (benchmarks/RESULTS.md), and at hundreds of requests per second that CPU is taken from the
    model."""
    if len(data) > INLINE_MAX_BYTES:
        return await asyncio.to_thread(_open_and_crop, data, mode=mode, detector=detector, settings=settings)
    image = open_image(data, max_pixels=settings.max_pixels)  # the header only
    width, height = image.size
    if width * height <= INLINE_MAX_PIXELS and not detection_needed(width, height, mode):
        return crop_faces(image, mode=mode, detector=detector, settings=settings)
    return await asyncio.to_thread(crop_faces, image, mode=mode, detector=detector, settings=settings)


def _open_and_crop(
    data: bytes, *, mode: FaceMode, detector: FaceDetector, settings: Settings
) -> tuple[tuple[int, int], list[Face]]:
    image = open_image(data, max_pixels=settings.max_pixels)
    return crop_faces(image, mode=mode, detector=detector, settings=settings)


async def analyze(
    upload: Upload,
    *,
    mode: FaceMode,
    classifier: EmotionClassifier,
    batcher: Classifies,
    detector: FaceDetector,
    settings: Settings,
) -> EmotionAnalysis:
    check_upload(upload, max_bytes=settings.max_upload_bytes)
    (width, height), faces = await find_faces(upload.data, mode=mode, detector=detector, settings=settings)
    probabilities = await batcher.classify(np.stack([face.pixels for face in faces]))
    # Rounded and converted for all its faces at once: per-value float()/round() calls cost more.
    rows: list[list[float]] = np.round(probabilities.astype(np.float64), 6).tolist()
    tops: list[int] = probabilities.argmax(axis=1).tolist()
    results = []
    for index, (face, row, top) in enumerate(zip(faces, rows, tops, strict=True)):
        results.append(
            FaceEmotion(
                box=Box(x=face.box.x, y=face.box.y, width=face.box.width, height=face.box.height),
                detected=face.detected,
                primary=index == 0,
                emotion=EMOTION_LABELS[top],
                confidence=row[top],
                probabilities=dict(zip(EMOTION_LABELS, row, strict=True)),
            )
        )
    return EmotionAnalysis(
        faces=results,
        image=ImageSize(width=width, height=height),
        face_mode=mode.value,
        model=ModelInfo(name=classifier.name, version=classifier.version),
    )

"""Image bytes to an upright picture (colour for the detector, grey for the classifier): the format
and size are checked before any pixel is decoded.

Used by the emotion-service for uploads and by the training job for `--extra` images.
"""

import io
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from moodtune_contracts.errors import CorruptImage, ImageTooLarge, MoodtuneError, UnsupportedImage

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "GIF"})
# Modes with no colour: kept grey, so detection and cropping skip a conversion.
GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})


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


@dataclass(frozen=True)
class Picture:
    """An upright image ready for detection and cropping.

    `pixels` is RGB (H, W, 3), or grey (H, W) when the source has no colour; `grey` is the same
    picture in grey (Pillow's ITU-R 601 luma), made only when asked for: the classifier needs only
    the faces in grey (`fer_crop` converts each crop), so a photo is never converted whole. A big
    JPEG that only needs detecting is decoded at a reduced size (see `reduce_to`); `scale` maps its
    pixels back to the upright original's, whose size is `size`.
    """

    pixels: np.ndarray
    size: tuple[int, int]  # the upright original's width, height
    scale: tuple[float, float] = (1.0, 1.0)  # original pixels per decoded pixel, x and y

    @classmethod
    def of(cls, pixels: np.ndarray) -> "Picture":
        """An array already in memory (grey or RGB uint8), at full size."""
        return cls(pixels=pixels, size=(pixels.shape[1], pixels.shape[0]))

    @cached_property
    def grey(self) -> np.ndarray:
        return to_grey(self.pixels)


def to_grey(pixels: np.ndarray) -> np.ndarray:
    """Grey (H, W) or RGB (H, W, 3) uint8 pixels in grey, by Pillow's ITU-R 601 luma: the same
    numbers whether a whole picture or any part of it is converted."""
    return pixels if pixels.ndim == 2 else np.asarray(Image.fromarray(pixels).convert("L"))


def picture(image: Image.Image, *, reduce_to: int | None = None) -> Picture:
    """An opened image's pixels (GIF: the first frame), turned upright by EXIF.

    With `reduce_to`, a JPEG larger than that on its longer side is decoded by Pillow's draft mode
    at the smallest of 1/2, 1/4 or 1/8 scale that keeps its longer side at least `reduce_to`: a
    smaller decode costs a fraction of the full one, and detection and the 48x48 crop need no more
    (each detector says how far its pictures may be reduced: `FaceDetector.decode_min_side`).
    """
    with _image_errors():
        image.seek(0)
        width, height = image.size
        if reduce_to and image.format == "JPEG" and max(width, height) >= 2 * reduce_to:
            ratio = reduce_to / max(width, height)
            image.draft("RGB", (math.ceil(width * ratio), math.ceil(height * ratio)))
        image.load()
        decoded_size = image.size
        scale = (width / decoded_size[0], height / decoded_size[1])
        # In place: without an EXIF turn there is nothing to do, where the default returns a copy.
        ImageOps.exif_transpose(image, in_place=True)
        if image.size != decoded_size:  # turned by 90 degrees: x and y swap
            scale, (width, height) = (scale[1], scale[0]), (height, width)
        if image.mode in GREY_MODES:
            return Picture(pixels=eight_bit_grey(image), size=(width, height), scale=scale)
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        return Picture(pixels=np.asarray(rgb, dtype=np.uint8), size=(width, height), scale=scale)


def eight_bit_grey(image: Image.Image) -> np.ndarray:
    """A grey image as uint8. 16-bit grey (PNG's I;16, or I holding 16-bit values) is scaled down:
    Pillow's convert("L") clips it, so a visible face came out almost white."""
    if image.mode.startswith("I;16") or image.mode == "I":
        wide = np.asarray(image, dtype=np.int64) if image.mode == "I" else np.asarray(image).astype(np.int64)
        return (np.clip(wide, 0, 65535) // 257).astype(np.uint8)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def decode_picture(data: bytes, *, max_pixels: int, reduce_to: int | None = None) -> Picture:
    """Bytes of a JPEG/PNG/WebP/BMP/GIF (first frame) to an upright `Picture`."""
    return picture(open_image(data, max_pixels=max_pixels), reduce_to=reduce_to)


def decode_image(data: bytes, *, max_pixels: int) -> np.ndarray:
    """Bytes of a JPEG/PNG/WebP/BMP/GIF (first frame) to an upright grey uint8 array, full size."""
    return decode_picture(data, max_pixels=max_pixels).grey


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

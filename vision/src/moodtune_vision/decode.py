"""Image bytes to an upright grey array: the format and size are checked before any pixel is decoded.

Used by the emotion-service for uploads and by the training job for `--extra` images.
"""

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from moodtune_contracts.errors import CorruptImage, ImageTooLarge, MoodtuneError, UnsupportedImage

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "GIF"})


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

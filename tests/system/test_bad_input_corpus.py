"""The bad-input corpus: broken, disguised, truncated and odd images, malformed multipart and HTTP,
query and JSON abuse, header abuse, against the three services as real processes.

Each case asserts the status and the error code, the one error shape with the request id (body and
header agree), and that the service still answers /healthz afterwards. Odd but valid input (a 1x1
image, an animated GIF) must be answered 200.
"""

import io
import json
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image

from support.faces import fer_samples, image_bytes
from support.processes import free_port, running_service
from support.stack import LocalStack


def crop() -> bytes:
    return fer_samples(per_class=1)[0][1]


def png(image: Image.Image, **save: Any) -> bytes:
    return image_bytes(image, "PNG", **save)


def bomb_png() -> bytes:
    """A valid PNG header claiming 50000 x 50000 pixels, with almost no data."""
    data = bytearray(png(Image.new("L", (8, 8))))
    data[16:24] = (50000).to_bytes(4, "big") + (50000).to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # the IHDR chunk's CRC
    return bytes(data)


def animated_gif() -> bytes:
    frames = [Image.new("L", (48, 48), color=c) for c in (40, 200)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


def exif_jpeg(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return image_bytes(Image.open(io.BytesIO(crop())).convert("L"), "JPEG", exif=exif.tobytes())


def multipart(parts: bytes, boundary: str) -> dict[str, Any]:
    return {"content": parts, "headers": {"content-type": f"multipart/form-data; boundary={boundary}"}}


def one_part(
    data: bytes, *, boundary: str = "b0undary", name: str = "image", ctype: str = "image/jpeg"
) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="a.jpg"\r\n'
            f"Content-Type: {ctype}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )


@dataclass(frozen=True)
class Case:
    id: str
    service: str  # gateway, emotion or recommender
    method: str
    path: str
    status: int
    code: str | None  # None: a 200 (or the status alone is checked)
    request: Callable[[], dict[str, Any]] = field(default=lambda: {})


def upload(data: bytes, ctype: str = "image/jpeg", **params: Any) -> Callable[[], dict[str, Any]]:
    return lambda: {"files": {"image": ("a.jpg", data, ctype)}, "params": params}


def body(value: Any) -> Callable[[], dict[str, Any]]:
    return lambda: {"json": value}


def raw(content: bytes, ctype: str = "application/json") -> Callable[[], dict[str, Any]]:
    return lambda: {"content": content, "headers": {"content-type": ctype}}


E, G, R = "emotion", "gateway", "recommender"
EMO, BATCH, REC, CHECK = "/v1/emotions", "/v1/emotions/batch", "/v1/recommendations", "/v1/filters/check"
CROP = crop()
TEXT = b"this is not an image at all"

CASES = [
    # --- images: broken, disguised, truncated
    Case("empty-upload", E, "POST", EMO, 422, "corrupt_image", upload(b"")),
    Case("text-as-jpeg", E, "POST", EMO, 415, "unsupported_image", upload(TEXT)),
    Case("truncated-jpeg", E, "POST", EMO, 422, "corrupt_image", upload(CROP[: len(CROP) // 3])),
    Case("jpeg-magic-only", E, "POST", EMO, 415, "unsupported_image", upload(b"\xff\xd8\xff\xe0")),
    Case(
        "truncated-png",
        E,
        "POST",
        EMO,
        422,
        "corrupt_image",
        upload(png(Image.new("L", (64, 64)))[:60], "image/png"),
    ),
    Case(
        "pdf-disguised",
        E,
        "POST",
        EMO,
        415,
        "unsupported_image",
        upload(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
    ),
    Case(
        "svg",
        E,
        "POST",
        EMO,
        415,
        "unsupported_image",
        upload(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
    ),
    Case(
        "tiff",
        E,
        "POST",
        EMO,
        415,
        "unsupported_image",
        upload(image_bytes(Image.new("L", (48, 48)), "TIFF"), "image/tiff"),
    ),
    Case(
        "ico",
        E,
        "POST",
        EMO,
        415,
        "unsupported_image",
        upload(image_bytes(Image.new("RGB", (48, 48)), "ICO")),
    ),
    Case(
        "html", E, "POST", EMO, 415, "unsupported_image", upload(b"<html><body>hi</body></html>", "text/html")
    ),
    Case("zip", E, "POST", EMO, 415, "unsupported_image", upload(b"PK\x03\x04" + b"\0" * 40)),
    Case("decompression-bomb", E, "POST", EMO, 413, "image_too_large", upload(bomb_png(), "image/png")),
    Case("oversized-upload", E, "POST", EMO, 413, None, upload(b"\xff\xd8" + b"\0" * (11 << 20))),
    Case("real-jpeg-declared-text", E, "POST", EMO, 415, "unsupported_image", upload(CROP, "text/plain")),
    # --- images: odd but valid
    Case(
        "extreme-aspect-wide",
        E,
        "POST",
        EMO,
        422,
        "no_face",
        upload(png(Image.new("L", (100_000, 1))), "image/png"),
    ),
    Case(
        "extreme-aspect-tall",
        E,
        "POST",
        EMO,
        422,
        "no_face",
        upload(png(Image.new("L", (1, 100_000))), "image/png"),
    ),
    Case("one-pixel", E, "POST", EMO, 200, None, upload(png(Image.new("L", (1, 1))), "image/png")),
    Case(
        "sixteen-bit-png",
        E,
        "POST",
        EMO,
        200,
        None,
        upload(png(Image.fromarray(np.full((48, 48), 30000, np.uint16))), "image/png"),
    ),
    Case("animated-gif", E, "POST", EMO, 200, None, upload(animated_gif(), "image/gif")),
    Case("cmyk-jpeg", E, "POST", EMO, 200, None, upload(image_bytes(Image.new("CMYK", (48, 48)), "JPEG"))),
    Case(
        "rgba-png",
        E,
        "POST",
        EMO,
        200,
        None,
        upload(png(Image.new("RGBA", (48, 48), (9, 9, 9, 0))), "image/png"),
    ),
    Case("palette-png", E, "POST", EMO, 200, None, upload(png(Image.new("P", (48, 48))), "image/png")),
    Case(
        "webp",
        E,
        "POST",
        EMO,
        200,
        None,
        upload(image_bytes(Image.new("RGB", (48, 48)), "WEBP"), "image/webp"),
    ),
    Case(
        "bmp", E, "POST", EMO, 200, None, upload(image_bytes(Image.new("RGB", (48, 48)), "BMP"), "image/bmp")
    ),
    Case("exif-orientation-8", E, "POST", EMO, 200, None, upload(exif_jpeg(8))),
    Case("garbage-after-eoi", E, "POST", EMO, 200, None, upload(CROP + b"\0garbage" * 100)),
    Case(
        "declared-type-with-parameters", E, "POST", EMO, 200, None, upload(CROP, "image/jpeg; charset=binary")
    ),
    Case("octet-stream", E, "POST", EMO, 200, None, upload(CROP, "application/octet-stream")),
    Case(
        "blank-crop-face-detect",
        E,
        "POST",
        EMO,
        422,
        "no_face",
        upload(png(Image.new("L", (48, 48), 90)), "image/png", face="detect"),
    ),
    Case(
        "noise-photo",
        E,
        "POST",
        EMO,
        422,
        "no_face",
        upload(
            png(Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 400), dtype=np.uint8))),
            "image/png",
        ),
    ),
    # --- multipart and HTTP
    Case(
        "no-image-field",
        E,
        "POST",
        EMO,
        422,
        "invalid_request",
        lambda: {"files": {"file": ("a.jpg", CROP, "image/jpeg")}},
    ),
    Case("json-instead-of-multipart", E, "POST", EMO, 422, "invalid_request", body({"image": "abc"})),
    Case(
        "boundary-mismatch",
        E,
        "POST",
        EMO,
        400,
        "http_error",
        lambda: multipart(one_part(CROP, boundary="aaa"), "bbb"),
    ),
    Case(
        "multipart-without-boundary",
        E,
        "POST",
        EMO,
        400,
        "http_error",
        raw(one_part(CROP), "multipart/form-data"),
    ),
    Case(
        "boundary-300-chars",
        E,
        "POST",
        EMO,
        400,
        "http_error",
        lambda: multipart(one_part(CROP, boundary="x" * 300), "x" * 300),
    ),
    Case(
        "part-declared-text",
        E,
        "POST",
        EMO,
        415,
        "unsupported_image",
        lambda: multipart(one_part(CROP, ctype="text/plain"), "b0undary"),
    ),
    Case(
        "unterminated-multipart",
        E,
        "POST",
        EMO,
        422,
        "invalid_request",
        lambda: multipart(one_part(CROP)[:-12], "b0undary"),
    ),
    Case("face-mode-unknown", E, "POST", EMO, 422, "invalid_request", upload(CROP, face="sideways")),
    Case("batch-empty", E, "POST", BATCH, 422, "invalid_request", lambda: {"files": {"other": ("a", b"x")}}),
    Case(
        "batch-17-images",
        E,
        "POST",
        BATCH,
        413,
        "too_many_images",
        lambda: {"files": [("images", (f"{i}.jpg", CROP, "image/jpeg")) for i in range(17)]},
    ),
    Case("get-on-post-route", E, "GET", EMO, 405, "method_not_allowed"),
    Case("unknown-path", E, "GET", "/v1/nothing-here", 404, "not_found"),
    # --- headers
    Case(
        "request-id-non-ascii",
        E,
        "GET",
        "/v1/model",
        200,
        None,
        lambda: {"headers": {"x-request-id": "naïve-ü".encode()}},
    ),
    Case(
        "request-id-fake-log-fields",
        E,
        "GET",
        "/v1/model",
        200,
        None,
        lambda: {"headers": {"x-request-id": "a] level=ERROR [b"}},
    ),
    Case(
        "request-id-too-long",
        E,
        "GET",
        "/v1/model",
        200,
        None,
        lambda: {"headers": {"x-request-id": "r" * 1000}},
    ),
    Case(
        "gateway-request-id-non-ascii",
        G,
        "POST",
        "/recommend",
        415,
        "unsupported_image",
        lambda: {**upload(TEXT, "text/plain")(), "headers": {"x-request-id": "ü".encode()}},
    ),
    # --- gateway: query abuse
    Case(
        "gateway-text-upload", G, "POST", "/recommend", 415, "unsupported_image", upload(TEXT, "text/plain")
    ),
    Case("gateway-empty-upload", G, "POST", "/recommend", 422, "corrupt_image", upload(b"")),
    Case(
        "gateway-21-genres",
        G,
        "POST",
        "/recommend",
        422,
        "invalid_input",
        lambda: {**upload(CROP)(), "params": [("genres", f"g{i}") for i in range(21)]},
    ),
    Case("gateway-empty-genre", G, "POST", "/recommend", 422, "unknown_genre", upload(CROP, genres="")),
    Case(
        "gateway-unknown-genre",
        G,
        "POST",
        "/recommend",
        422,
        "unknown_genre",
        upload(CROP, genres="polka-metal"),
    ),
    Case(
        "gateway-year-filter-without-years",
        G,
        "POST",
        "/recommend",
        422,
        "unsupported_filter",
        upload(CROP, year_from=1990),
    ),
    Case("gateway-limit-0", G, "POST", "/recommend", 422, "invalid_request", upload(CROP, limit=0)),
    Case("gateway-limit-101", G, "POST", "/recommend", 422, "invalid_request", upload(CROP, limit=101)),
    Case("gateway-limit-text", G, "POST", "/recommend", 422, "invalid_request", upload(CROP, limit="ten")),
    Case(
        "gateway-policy-unknown",
        G,
        "POST",
        "/recommend",
        422,
        "invalid_request",
        upload(CROP, policy="sadder"),
    ),
    Case(
        "gateway-popularity-negative",
        G,
        "POST",
        "/recommend",
        422,
        "invalid_request",
        upload(CROP, min_popularity=-1),
    ),
    Case(
        "gateway-explicit-not-bool",
        G,
        "POST",
        "/recommend",
        422,
        "invalid_request",
        upload(CROP, exclude_explicit="maybe"),
    ),
    Case("gateway-no-image", G, "POST", "/recommend", 422, "invalid_request", lambda: {"data": {"x": "1"}}),
    Case(
        "gateway-hostile-filename",
        G,
        "POST",
        "/recommend",
        415,
        "unsupported_image",
        lambda: {"files": {"image": ('"\x01;\r\n' + "q" * 3000, TEXT, "text/plain")}},
    ),
    Case(
        "gateway-huge-query",
        G,
        "POST",
        "/recommend",
        422,
        "unknown_genre",
        lambda: {**upload(CROP)(), "params": {"genres": "g" * 8000}},
    ),
    Case("gateway-get-recommend", G, "GET", "/recommend", 405, "method_not_allowed"),
    Case("gateway-static-traversal", G, "GET", "/static/../../etc/passwd", 404, "not_found"),
    Case(
        "gateway-playlist-no-token",
        G,
        "POST",
        "/playlists",
        401,
        None,
        body({"name": "x", "track_ids": ["1"]}),
    ),
    Case(
        "gateway-playlist-bad-json",
        G,
        "POST",
        "/playlists",
        422,
        "invalid_request",
        lambda: {
            "content": b"{not json",
            "headers": {"content-type": "application/json", "authorization": "Bearer t"},
        },
    ),
    # --- recommender: JSON abuse
    Case(
        "rec-both-emotion-and-probabilities",
        R,
        "POST",
        REC,
        422,
        "invalid_probabilities",
        body({"emotion": "sad", "probabilities": {"sad": 1.0}}),
    ),
    Case("rec-neither", R, "POST", REC, 422, "invalid_probabilities", body({})),
    Case(
        "rec-emotion-null",
        R,
        "POST",
        REC,
        422,
        "invalid_request",
        body({"emotion": None, "probabilities": {"sad": 1.0}}),
    ),
    Case("rec-unknown-emotion", R, "POST", REC, 422, "unknown_emotion", body({"emotion": "smug"})),
    Case(
        "rec-probabilities-sum-2",
        R,
        "POST",
        REC,
        422,
        "invalid_probabilities",
        body({"probabilities": {"sad": 1.0, "happy": 1.0}}),
    ),
    Case(
        "rec-probability-negative",
        R,
        "POST",
        REC,
        422,
        "invalid_probabilities",
        body({"probabilities": {"sad": 1.5, "happy": -0.5}}),
    ),
    Case("rec-probability-infinite", R, "POST", REC, 422, None, raw(b'{"probabilities": {"sad": 1e400}}')),
    Case("rec-nan", R, "POST", REC, 422, None, raw(b'{"probabilities": {"sad": NaN}}')),
    Case("rec-not-json", R, "POST", REC, 422, "invalid_request", raw(b"emotion=sad")),
    Case("rec-not-utf8", R, "POST", REC, 400, "http_error", raw(b'{"emotion": "\xff\xfe"}')),
    Case("rec-json-array", R, "POST", REC, 422, "invalid_request", body([1, 2, 3])),
    Case(
        "rec-extra-field",
        R,
        "POST",
        REC,
        422,
        "invalid_request",
        body({"emotion": "sad", "drop_tables": True}),
    ),
    Case("rec-limit-0", R, "POST", REC, 422, "invalid_request", body({"emotion": "sad", "limit": 0})),
    Case("rec-page-101", R, "POST", REC, 422, "invalid_request", body({"emotion": "sad", "page": 101})),
    Case(
        "rec-21-genres",
        R,
        "POST",
        REC,
        422,
        "invalid_request",
        body({"emotion": "sad", "genres": [f"g{i}" for i in range(21)]}),
    ),
    Case(
        "rec-deeply-nested",
        R,
        "POST",
        REC,
        400,
        None,
        raw(b'{"emotion": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    ),
    Case(
        "rec-body-over-limit",
        R,
        "POST",
        REC,
        413,
        "payload_too_large",
        raw(b'{"emotion": "sad", "pad": "' + b"x" * (2 << 20) + b'"}'),
    ),
    Case(
        "rec-wrong-content-type",
        R,
        "POST",
        REC,
        422,
        "invalid_request",
        raw(b'{"emotion": "sad"}', "text/plain"),
    ),
    Case("check-unknown-genre", R, "POST", CHECK, 422, "unknown_genre", body({"genres": ["polka-metal"]})),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_a_clear_answer(services: LocalStack, case: Case) -> None:
    base = getattr(services, case.service)
    response = httpx.request(case.method, base + case.path, timeout=60, **case.request())
    assert response.status_code == case.status, response.text[:500]
    rid = response.headers.get("x-request-id")
    assert rid and len(rid) <= 128 and rid.isascii() and " " not in rid and "]" not in rid
    if case.status >= 400:
        error = response.json()
        assert set(error) == {"error", "request_id"} and error["request_id"] == rid
        assert {"code", "message", "details"} <= set(error["error"]) and error["error"]["message"]
        if case.code:
            assert error["error"]["code"] == case.code
    assert httpx.get(base + "/healthz", timeout=10).status_code == 200


def test_the_corpus_is_at_least_60_cases() -> None:
    assert len(CASES) >= 60 and len({c.id for c in CASES}) == len(CASES)


def test_a_callers_request_id_is_kept_only_if_it_is_a_plain_token(services: LocalStack) -> None:
    kept = httpx.get(services.emotion + "/v1/model", headers={"x-request-id": "trace-42.a:b_c"})
    assert kept.headers["x-request-id"] == "trace-42.a:b_c"
    replaced = httpx.get(services.emotion + "/v1/model", headers={"x-request-id": "a b"})
    assert replaced.headers["x-request-id"] != "a b" and len(replaced.headers["x-request-id"]) == 32


def test_a_sixteen_bit_png_is_read_as_the_picture_it_shows(services: LocalStack) -> None:
    # A mid-grey 16-bit face crop: Pillow's own conversion clipped it to white.
    face = np.asarray(Image.open(io.BytesIO(CROP)).convert("L")).astype(np.uint16) * 257
    eight_bit = httpx.post(
        services.emotion + EMO,
        files={
            "image": (
                "a.png",
                png(Image.fromarray(np.asarray(Image.open(io.BytesIO(CROP)).convert("L")))),
                "image/png",
            )
        },
    ).json()
    sixteen_bit = httpx.post(
        services.emotion + EMO, files={"image": ("a.png", png(Image.fromarray(face)), "image/png")}
    ).json()
    assert sixteen_bit["faces"][0]["probabilities"] == pytest.approx(
        eight_bit["faces"][0]["probabilities"], abs=1e-3
    )


def raw_http(base: str, payload: bytes, *, read_timeout: float = 60) -> bytes:
    """Bytes sent as they are; the answer, or b"" where the server closed the connection on us."""
    parts = urlsplit(base)
    chunks = []
    with socket.create_connection((parts.hostname, parts.port), timeout=read_timeout) as conn:
        try:
            conn.sendall(payload)
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, BrokenPipeError):
            pass
    return b"".join(chunks)


def test_a_header_over_the_limit_is_refused(services: LocalStack) -> None:
    answer = raw_http(
        services.emotion, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (256 * 1024) + b"\r\n\r\n"
    )
    # h11 stops reading at max_header_bytes (64 KiB): an error status, or the connection closed.
    assert answer == b"" or answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 431")), answer[:100]
    assert httpx.get(services.emotion + "/healthz").status_code == 200


def test_a_body_shorter_than_its_content_length_times_out_with_408() -> None:
    port = free_port()
    env = {"RECOMMENDER_PORT": str(port), "RECOMMENDER_BODY_TIMEOUT_S": "1"}
    with running_service("recommender_service", env=env, port=port) as url:
        request = (
            b"POST /v1/recommendations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"emo'
        )
        answer = raw_http(url, request, read_timeout=20)
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(payload)["error"]["code"] == "request_timeout"


def test_security_headers_are_on_the_page_and_the_api(services: LocalStack) -> None:
    for url in (services.gateway + "/", services.gateway + "/healthz", services.emotion + "/v1/model"):
        headers = httpx.get(url).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
    page_policy = httpx.get(services.gateway + "/").headers["content-security-policy"]
    assert "frame-src https://open.spotify.com" in page_policy and "'unsafe-inline'" not in page_policy
    docs_policy = httpx.get(services.gateway + "/docs").headers["content-security-policy"]
    assert "'unsafe-inline'" in docs_policy and "https:" not in docs_policy  # offline: nothing from elsewhere

"""The plain-upload lane as an ASGI component: what it answers itself, and what it hands on untouched.

The lane runs in front of a recording stand-in for the rest of the app, so each test sees which
side answered. The engine is real (the small model, the real detector and analysis).
"""

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.types import Message, Receive, Scope, Send

from emotion_service.api import emotions
from emotion_service.api.deps import Engine
from emotion_service.api.upload_lane import PlainUploadLane
from emotion_service.batching import DirectClassifier
from emotion_service.classifier import EmotionClassifier
from emotion_service.main import create_app
from emotion_service.settings import Settings
from moodtune_contracts.analysis import EmotionAnalysis
from moodtune_contracts.faces import make_detector
from moodtune_contracts.service import BodyLimitMiddleware, EdgeMiddleware
from tests.helpers import fer_samples

LIMIT = 1024 * 1024
FACE_TWICE = httpx.QueryParams([("face", "auto"), ("face", "whole")])


@pytest.fixture(scope="module")
def engine(small_model: Path) -> Iterator[Engine]:
    classifier = EmotionClassifier.load(small_model)
    batcher = DirectClassifier(classifier.predict, observe=lambda faces, seconds: None)
    settings = Settings(model_path=small_model)
    yield Engine(
        classifier=classifier,
        batcher=batcher,
        detector=make_detector(settings.face_detector),
        settings=settings,
    )
    asyncio.run(batcher.stop())


@pytest.fixture(scope="module")
def crop() -> bytes:
    return fer_samples(per_class=1)[0][1]


@dataclass
class Downstream:
    """Stands in for the FastAPI app behind the lane: records the body it was handed and answers 299."""

    bodies: list[bytes] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@dataclass
class Outcome:
    status: int
    body: bytes
    handed_on: list[bytes]

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    request: httpx.Request,
    engine: Engine | None,
    *,
    chunks: list[bytes] | None = None,
    drop_header: str | None = None,
    then_disconnect: bool = False,
) -> Outcome:
    """Send one request through the lane, as uvicorn would, and collect what comes back."""
    request.read()
    headers = [(k.lower(), v) for k, v in request.headers.raw if k.lower() != (drop_header or "").encode()]
    scope: Scope = {
        "type": "http",
        "method": request.method,
        "path": request.url.path,
        "query_string": request.url.query,
        "headers": headers,
    }
    pieces = chunks if chunks is not None else [request.content]
    messages: list[Message] = [
        {"type": "http.request", "body": piece, "more_body": then_disconnect or i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    downstream = Downstream()
    route = emotions.route_of(emotions.analyze_image)
    lane = PlainUploadLane(downstream, route=route, engine=lambda: engine, max_body_bytes=LIMIT)
    asyncio.run(lane(scope, receive, send))
    status = sent[0]["status"] if sent else 0
    return Outcome(status, b"".join(m.get("body", b"") for m in sent[1:]), downstream.bodies)


def upload(
    data: bytes,
    *,
    field_name: str = "image",
    content_type: str = "image/jpeg",
    params: httpx.QueryParams | None = None,
    method: str = "POST",
    path: str = "/v1/emotions",
) -> httpx.Request:
    files = {field_name: ("face.jpg", data, content_type)}
    return httpx.Request(method, f"http://service{path}", files=files, params=params)


def test_the_lane_serves_the_routes_own_path() -> None:
    route = emotions.route_of(emotions.analyze_image)
    assert isinstance(route, APIRoute) and route.path == "/v1/emotions" and route.methods == {"POST"}


def test_a_plain_upload_is_answered_by_the_lane(engine: Engine, crop: bytes) -> None:
    outcome = call(upload(crop, params=httpx.QueryParams(face="whole")), engine)
    assert outcome.status == 200 and outcome.handed_on == []
    analysis = EmotionAnalysis.model_validate(outcome.json())
    assert analysis.face_mode == "whole" and len(analysis.faces) == 1 and analysis.faces[0].primary


def test_a_domain_error_is_answered_in_the_one_error_shape(engine: Engine) -> None:
    outcome = call(upload(b"hello, not an image", content_type="text/plain"), engine)
    assert outcome.status == 415 and outcome.handed_on == []
    assert outcome.json()["error"]["code"] == "unsupported_image"


def _two_files() -> httpx.Request:
    files = [("image", ("a.jpg", b"a", "image/jpeg")), ("image", ("b.jpg", b"b", "image/jpeg"))]
    return httpx.Request("POST", "http://service/v1/emotions", files=files)


def _field_not_file() -> httpx.Request:
    body = b'--b\r\nContent-Disposition: form-data; name="image"\r\n\r\nnot a file\r\n--b--\r\n'
    headers = {"content-type": "multipart/form-data; boundary=b"}
    return httpx.Request("POST", "http://service/v1/emotions", content=body, headers=headers)


def _form_urlencoded() -> httpx.Request:
    return httpx.Request("POST", "http://service/v1/emotions", data={"image": "x"})


def _multipart_but_not_form_data(crop: bytes) -> httpx.Request:
    """A well-formed single-image body whose Content-Type is multipart/mixed (boundary and all)."""
    form = upload(crop)
    mixed = form.headers["content-type"].replace("multipart/form-data", "multipart/mixed")
    return httpx.Request(
        "POST", "http://service/v1/emotions", content=form.read(), headers={"content-type": mixed}
    )


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda crop: upload(crop, field_name="picture"), id="no image part"),
        pytest.param(lambda crop: _two_files(), id="two parts"),
        pytest.param(lambda crop: _field_not_file(), id="image is a field, not a file"),
        pytest.param(lambda crop: _form_urlencoded(), id="not multipart"),
        pytest.param(_multipart_but_not_form_data, id="multipart, not form-data"),
        pytest.param(lambda crop: upload(crop, params=httpx.QueryParams(face="sideways")), id="invalid face"),
        pytest.param(
            lambda crop: upload(crop, params=httpx.QueryParams([("face", "auto"), ("face", "whole")])),
            id="face twice",
        ),
        pytest.param(lambda crop: upload(b"\0" * (LIMIT + 1)), id="declared length over the limit"),
    ],
)
def test_anything_else_is_handed_on_with_its_body_intact(engine: Engine, crop: bytes, make: Any) -> None:
    request = make(crop)
    outcome = call(request, engine)
    assert outcome.status == 299
    assert outcome.handed_on == [request.content]


def test_a_truncated_body_is_handed_on(engine: Engine, crop: bytes) -> None:
    request = upload(crop)
    request.read()
    cut = request.content[:-20]  # the closing boundary is missing
    truncated = httpx.Request("POST", request.url, content=cut, headers={**request.headers})
    truncated.headers["content-length"] = str(len(cut))
    outcome = call(truncated, engine)
    assert outcome.status == 299 and outcome.handed_on == [cut]


def test_a_streamed_body_without_length_is_handed_on_unread(engine: Engine, crop: bytes) -> None:
    request = upload(crop)
    request.read()
    half = len(request.content) // 2
    chunks = [request.content[:half], request.content[half:]]
    outcome = call(request, engine, chunks=chunks, drop_header="content-length")
    assert outcome.status == 299 and outcome.handed_on == [request.content]


def test_before_the_model_is_loaded_the_route_answers(crop: bytes) -> None:
    outcome = call(upload(crop), None)
    assert outcome.status == 299 and len(outcome.handed_on) == 1


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/emotions"), ("POST", "/v1/emotions/batch")])
def test_other_routes_pass_through(engine: Engine, crop: bytes, method: str, path: str) -> None:
    request = upload(crop, path=path) if method == "POST" else httpx.Request(method, f"http://service{path}")
    outcome = call(request, engine)
    assert outcome.status == 299


def test_a_client_gone_mid_body_gets_nothing(engine: Engine, crop: bytes) -> None:
    request = upload(crop)
    request.read()
    # Content-Length promises the whole body; only half arrives, then the disconnect.
    chunks = [request.content[:100], request.content[100:200]]
    outcome = call(request, engine, chunks=chunks, then_disconnect=True)
    assert outcome.status == 0 and outcome.handed_on == []


def test_the_service_puts_the_lane_inside_the_edge_middleware_unless_told_not_to() -> None:
    def stack(settings: Settings) -> list[type]:
        return [middleware.cls for middleware in create_app(settings).user_middleware]  # type: ignore[misc]

    assert stack(Settings()) == [EdgeMiddleware, PlainUploadLane, BodyLimitMiddleware]  # outermost first
    assert PlainUploadLane not in stack(Settings(upload_lane=False))

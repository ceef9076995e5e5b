"""The plain-upload lane: a well-formed `POST /v1/emotions` answered without FastAPI's request machinery.

Why it exists: on the 2-core host that issue 4's throughput target is set for, FastAPI's handling of
this route (routing, the inner middleware, form parsing into an UploadFile, dependency solving,
response validation) cost ~0.25 ms of CPU per request. That CPU is taken from the model: at 32
clients the service reached x0.75 of the bare model's batched throughput, and x0.84 without it
(benchmarks/RESULTS.md, "What the framework costs").

What it answers: one `image` file part in a multipart body with a declared length within the
request limit, `face` absent or valid, the model loaded. It runs the route's own `Engine.analyze`
and maps domain errors to the same ErrorResponse. Everything else (a missing or extra part, a bad
`face`, a streamed body, the model not loaded yet, unparsable multipart) is handed on untouched,
with the body replayed, to the FastAPI route. That route stays the documented contract and owns
every request-level validation message. `EMOTION_UPLOAD_LANE=false` sends all requests that way.

It sits inside EdgeMiddleware (request ids, metrics) and outside BodyLimitMiddleware, which it does not
need: it reads only bodies whose declared length is within the limit.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emotion_service.analyze import Upload
from emotion_service.api.deps import Engine
from moodtune_contracts.errors import MoodtuneError
from moodtune_contracts.faces import FaceMode
from moodtune_contracts.service import declared_length, request_id_var, send_json

IMAGE_FIELD = "image"  # the route's `image` parameter


class PlainUploadLane:
    def __init__(
        self, app: ASGIApp, *, route: APIRoute, engine: Callable[[], Engine | None], max_body_bytes: int
    ) -> None:
        self.app = app
        self.route = route
        self.engine = engine
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.route.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        engine = self.engine()
        mode = _face_mode(scope["query_string"])
        boundary = _multipart_boundary(scope["headers"])
        length = declared_length(scope)
        within_limit = length is not None and length <= self.max_body_bytes
        if engine is None or mode is None or boundary is None or not within_limit:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away
            return
        upload = _single_image_part(body, boundary)
        if upload is None:
            await self.app(scope, _replay(body, receive), send)
            return
        scope["route"] = self.route  # the metrics label, as if the router had matched it
        try:
            status, payload = 200, (await engine.analyze(upload, mode)).model_dump_json()
        except MoodtuneError as exc:
            status, payload = exc.status_code, exc.to_response(request_id_var.get()).model_dump_json()
        await send_json(send, status, payload.encode())


def _face_mode(query: bytes) -> FaceMode | None:
    """The `face` parameter, or None when FastAPI should judge the query (absent means the default)."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    values = [value for key, value in pairs if key == "face"]
    if not values:
        return FaceMode.AUTO
    if len(values) > 1:
        return None
    try:
        return FaceMode(values[0])
    except ValueError:
        return None


def _multipart_boundary(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    content_type = dict(headers).get(b"content-type")
    if content_type is None:
        return None
    kind, options = parse_options_header(content_type)
    return options.get(b"boundary") if kind == b"multipart/form-data" else None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the already-read body once, then whatever the connection sends next."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


@dataclass
class _Part:
    disposition: bytes = b""
    content_type: bytes | None = None
    header_name: bytes = b""
    header_value: bytes = b""
    data: list[bytes] = field(default_factory=list)  # slices, joined once at the end


def _single_image_part(body: bytes, boundary: bytes) -> Upload | None:
    """The upload when the body is exactly one file part named `image`; None for anything else."""
    parts: list[_Part] = []
    finished = False

    def on_part_begin() -> None:
        parts.append(_Part())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        parts[-1].header_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        parts[-1].header_value += data[start:end]

    def on_header_end() -> None:
        part = parts[-1]
        name = part.header_name.lower()
        if name == b"content-disposition":
            part.disposition = part.header_value
        elif name == b"content-type":
            part.content_type = part.header_value
        part.header_name = part.header_value = b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].data.append(data[start:end])

    def on_end() -> None:  # only after the closing boundary, which ends the last part too
        nonlocal finished
        finished = True

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_end": on_end,
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError:
        return None
    if not finished or len(parts) != 1:  # truncated, empty or several parts
        return None
    (part,) = parts
    kind, options = parse_options_header(part.disposition)
    if kind != b"form-data" or options.get(b"name") != IMAGE_FIELD.encode() or b"filename" not in options:
        return None
    return Upload(
        filename=_decode(options[b"filename"]),
        content_type=part.content_type.decode("latin-1") if part.content_type is not None else None,
        data=b"".join(part.data),
    )


def _decode(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")

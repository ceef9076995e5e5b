"""POST /v1/emotions, POST /v1/emotions/batch, GET /v1/model."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import Field

from emotion_service.analyze import Upload
from emotion_service.api import API_PREFIX
from emotion_service.api.deps import Engine, EngineDep
from emotion_service.classifier import ServingPrecision, ServingRuntime
from emotion_service.errors import TooManyImages
from emotion_service.settings import Settings
from moodtune_contracts.analysis import BatchAnalysis, BatchItem, EmotionAnalysis, FaceMode
from moodtune_contracts.errors import ErrorDetail, ErrorResponse, MoodtuneError
from moodtune_contracts.model_card import ModelCard
from moodtune_service_kit.errors import ERROR_RESPONSES, RETRY_AFTER_HEADERS

router = APIRouter(prefix=API_PREFIX, tags=["emotions"])

UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    413: {"model": ErrorResponse, "description": "Upload or image too large"},
    415: {"model": ErrorResponse, "description": "Not an image type this service reads"},
    503: {
        "model": ErrorResponse,
        "description": "Model not loaded yet (`not_ready`), or busy (`overloaded`: more work queued than "
        "EMOTION_MAX_QUEUE_WAIT_S allows; retry after the `Retry-After` seconds)",
        "headers": RETRY_AFTER_HEADERS,
    },
}
FaceQuery = Annotated[
    FaceMode,
    Query(description="`auto`: detect, but use a tight face crop whole; `detect`: must find a face; `whole`"),
]


async def _read(file: UploadFile) -> Upload:
    return Upload(filename=file.filename, content_type=file.content_type, data=await file.read())


@router.post(
    "/emotions",
    operation_id="analyzeImage",
    response_model=EmotionAnalysis,
    responses=UPLOAD_ERRORS,
    summary="Every face in an image with its emotion; the largest face is primary",
)
async def analyze_image(
    engine: EngineDep,
    image: Annotated[UploadFile, File(description="JPEG, PNG, WebP, BMP or GIF")],
    face: FaceQuery = FaceMode.AUTO,
) -> EmotionAnalysis:
    with engine.admission.slot(images=1):  # before the image is decoded: refusing costs ~nothing
        return await engine.analyze(await _read(image), face)


@router.post(
    "/emotions/batch",
    operation_id="analyzeImages",
    response_model=BatchAnalysis,
    responses=UPLOAD_ERRORS,
    summary="Several images in one call; each gets a result or its own error",
)
async def analyze_images(
    engine: EngineDep,
    images: Annotated[
        list[UploadFile],
        File(
            description="1 to EMOTION_MAX_BATCH_IMAGES images (16 unless configured; more: 413)",
            json_schema_extra={"minItems": 1, "maxItems": Settings().max_batch_images},
        ),
    ],
    face: FaceQuery = FaceMode.AUTO,
) -> BatchAnalysis:
    if len(images) > engine.settings.max_batch_images:
        raise TooManyImages(
            f"{len(images)} images sent; at most {engine.settings.max_batch_images} per call",
            details={"max_batch_images": engine.settings.max_batch_images},
        )
    with engine.admission.slot(images=len(images)):
        return await _analyze_each(engine, [await _read(file) for file in images], face)


async def _analyze_each(engine: Engine, uploads: list[Upload], face: FaceMode) -> BatchAnalysis:
    async def one(upload: Upload) -> BatchItem:
        try:
            result = await engine.analyze(upload, face)
        except MoodtuneError as exc:
            error = ErrorDetail(code=exc.code, message=exc.message, details=exc.details)
            return BatchItem(filename=upload.filename, error=error)
        return BatchItem(filename=upload.filename, result=result)

    # Concurrently, so the faces of all images share model calls through the micro-batcher.
    items = list(await asyncio.gather(*(one(upload) for upload in uploads)))
    return BatchAnalysis(items=items)


class ServedModelCard(ModelCard):
    device: str = Field(description="where inference runs: CPU, or the GPU TensorFlow sees")
    runtime: ServingRuntime = Field(description="LiteRT or Keras, in which precision, and why")
    precision: ServingPrecision = Field(description="float32 or bfloat16 per batch size, chosen at start-up")
    face_detector: str = Field(description="the detector that finds faces in photos (EMOTION_FACE_DETECTOR)")
    flip_average_served: bool = Field(
        description="whether each face is read with its mirror image now (EMOTION_FLIP_AVERAGE; "
        "`flip_average` is what the card recommends)"
    )


@router.get("/model", operation_id="modelCard", summary="The served model's card")
async def model_card(engine: EngineDep) -> ServedModelCard:
    classifier = engine.classifier
    return ServedModelCard(
        **classifier.card.model_dump(),
        device=classifier.device,
        runtime=classifier.runtime,
        precision=classifier.precision,
        face_detector=engine.detector.name,
        flip_average_served=classifier.flip_average,
    )

"""POST /recommend (a photo in, the mood and songs out), and its two halves for clients that keep
the mood themselves (live mode): POST /moods and POST /songs; GET /genres for the genre filter."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import ValidationError

from gateway.api.deps import SettingsDep, UpstreamsDep, request_budget
from gateway.schemas import (
    FACE_MODE_DESCRIPTION,
    MoodReading,
    Recommendation,
    RecommendQuery,
    Songs,
    SongsRequest,
)
from gateway.use_cases import Photo, SongChoice, read_moods, recommend_for_photo, songs_for
from moodtune_contracts.analysis import FaceMode
from moodtune_contracts.errors import ErrorResponse, ImageTooLarge
from moodtune_contracts.recommendations import GenreListing, TrackFilters
from moodtune_service_kit.errors import RETRY_AFTER_HEADERS, invalid_input

router = APIRouter(tags=["recommend"], dependencies=[Depends(request_budget)])
IMAGE_DESCRIPTION = "a photo with a face: JPEG, PNG, WebP, BMP or GIF"
MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*")


def _error(description: str, example_code: str) -> dict[str, Any]:
    example = {"error": {"code": example_code, "message": "...", "details": {}}, "request_id": "4f1c..."}
    return {
        "model": ErrorResponse,
        "description": description,
        "content": {"application/json": {"example": example}},
    }


RECOMMEND_ERRORS: dict[int | str, dict[str, Any]] = {
    413: _error("Image too large (bytes or pixels)", "image_too_large"),
    415: _error("Not an image type Moodtune reads (JPEG, PNG, WebP, BMP, GIF)", "unsupported_image"),
    422: _error("No face found, no face `face_number`, a damaged image, or invalid options", "no_face"),
    502: _error("A service answered with an error", "upstream_error"),
    503: {
        **_error(
            "A service is down or not ready (`upstream_unavailable`), or busy (`overloaded`, the gateway or "
            "a service: retry after the `Retry-After` seconds, not at once); `details.service` names it",
            "upstream_unavailable",
        ),
        "headers": RETRY_AFTER_HEADERS,
    },
    504: _error(
        "A service did not answer in time, or the request's budget (X-Request-Budget-Ms, at most "
        "GATEWAY_REQUEST_BUDGET_S) ran out; `details.service` names it",
        "upstream_timeout",
    ),
}


async def read_photo(image: UploadFile, *, max_bytes: int) -> Photo:
    """The upload, within the gateway's limit, with only what the emotion-service needs: not the
    caller's filename, and a declared type that is a plain media type (anything else is sent as
    octet-stream, and the bytes decide)."""
    data = await image.read()
    if len(data) > max_bytes:
        raise ImageTooLarge(
            f"upload is {len(data):,} bytes; the limit is {max_bytes:,}",
            details={"bytes": len(data), "max_bytes": max_bytes},
        )
    declared = (image.content_type or "").split(";")[0].strip().lower()
    forwarded = declared if MEDIA_TYPE.fullmatch(declared) else "application/octet-stream"
    return Photo(data=data, media_type=forwarded)


def song_choice(options: RecommendQuery | SongsRequest) -> SongChoice:
    """The songs asked for; the filters checked as the recommender checks them."""
    try:
        filters = TrackFilters.model_validate(
            options.model_dump(include=set(TrackFilters.model_fields), exclude_none=True)
        )
    except ValidationError as exc:
        raise invalid_input(exc) from None
    return SongChoice(
        policy=options.policy,
        ranking=options.ranking,
        seed=options.seed,
        limit=options.limit,
        page=options.page,
        filters=filters,
    )


@router.post(
    "/recommend",
    operation_id="recommend",
    response_model=Recommendation,
    responses=RECOMMEND_ERRORS,
    summary="Songs for the mood of the face in a photo",
    description="Finds the faces, classifies each one's emotion (7 FER2013 classes) and returns tracks from "
    "the Spotify catalog for the mood of the largest face (or the face `face_number` names, or with "
    "`group=true` the group's: the faces' probabilities blended, each weighted by its share of the "
    "faces' box area): by default the tracks nearest that mood, most popular first (`ranking=study`: the "
    "whole cluster by popularity), with the reasons in plain words and in numbers.",
)
async def recommend(
    upstreams: UpstreamsDep,
    settings: SettingsDep,
    image: Annotated[UploadFile, File(description=IMAGE_DESCRIPTION)],
    query: Annotated[RecommendQuery, Query()],
) -> Recommendation:
    face_number = query.whose_mood()
    choice = song_choice(query)
    return await recommend_for_photo(
        photo=await read_photo(image, max_bytes=settings.max_upload_bytes),
        face_mode=query.face,
        face_number=face_number,
        choice=choice,
        emotion=upstreams.emotion,
        recommender=upstreams.recommender,
    )


@router.post(
    "/moods",
    operation_id="readMoods",
    response_model=MoodReading,
    responses=RECOMMEND_ERRORS,
    summary="Every face's mood in a photo, no songs (live mode: one frame)",
    description="The first half of `/recommend`: the faces, largest first, each with its emotion "
    "probabilities and its share of the group mood. Nothing is stored.",
)
async def moods(
    upstreams: UpstreamsDep,
    settings: SettingsDep,
    image: Annotated[UploadFile, File(description=IMAGE_DESCRIPTION)],
    face: Annotated[FaceMode, Query(description=FACE_MODE_DESCRIPTION)] = FaceMode.AUTO,
) -> MoodReading:
    analysis, faces = await read_moods(
        photo=await read_photo(image, max_bytes=settings.max_upload_bytes),
        face_mode=face,
        emotion=upstreams.emotion,
    )
    return MoodReading(faces=faces, faces_found=len(faces), model=analysis.model)


@router.post(
    "/songs",
    operation_id="songsForMood",
    response_model=Songs,
    responses={k: v for k, v in RECOMMEND_ERRORS.items() if k not in (413, 415)},
    summary="Songs for a mood you already have (e.g. smoothed over live frames)",
    description="The second half of `/recommend`: a probability vector over the 7 emotions in, tracks "
    "(the nearest the mood, most popular first) and the reasons out.",
)
async def songs(body: SongsRequest, upstreams: UpstreamsDep) -> Songs:
    return await songs_for(
        probabilities={str(k): v for k, v in body.probabilities.items()},
        choice=song_choice(body),
        group=body.group,
        recommender=upstreams.recommender,
    )


@router.get(
    "/genres",
    operation_id="listGenres",
    response_model=GenreListing,
    responses={k: v for k, v in RECOMMEND_ERRORS.items() if k in (502, 503, 504)},
    summary="The catalog's genres: the values the `genres` filter takes",
)
async def genres(upstreams: UpstreamsDep) -> GenreListing:
    return GenreListing.model_validate(await upstreams.recommender.get("/v1/genres"))

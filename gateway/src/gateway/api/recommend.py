"""POST /recommend (a photo in, the mood and songs out), and its two halves for clients that keep
the mood themselves (live mode): POST /moods and POST /songs; GET /genres for the genre filter."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import ValidationError

from gateway.api.deps import SettingsDep, UpstreamsDep, request_budget
from gateway.recommend import read_moods, recommend_for_image, songs_for
from gateway.schemas import MoodReading, Recommendation, Songs, SongsRequest
from moodtune_contracts.analysis import FaceMode
from moodtune_contracts.errors import ErrorResponse, InvalidInput
from moodtune_contracts.mood import Policy, Ranking
from moodtune_contracts.recommendations import (
    RANKING_DESCRIPTION,
    SEED_DESCRIPTION,
    SEED_MAX,
    GenreListing,
    TrackFilters,
)
from moodtune_service_kit.errors import RETRY_AFTER_HEADERS

router = APIRouter(tags=["recommend"], dependencies=[Depends(request_budget)])
IMAGE_DESCRIPTION = "a photo with a face: JPEG, PNG, WebP, BMP or GIF"


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
    policy: Annotated[
        Policy, Query(description="`match` the mood, or `uplift` a negative one")
    ] = Policy.MATCH,
    ranking: Annotated[Ranking, Query(description=RANKING_DESCRIPTION)] = Ranking.MOOD,
    seed: Annotated[int | None, Query(ge=0, le=SEED_MAX, description=SEED_DESCRIPTION)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    page: Annotated[int, Query(ge=1, le=100, description="the next songs: page 2 follows page 1")] = 1,
    face: Annotated[
        FaceMode, Query(description="`auto`, `detect` or `whole` (the image is the face)")
    ] = FaceMode.AUTO,
    face_number: Annotated[
        int, Query(ge=1, le=100, description="whose mood counts: 1 = the largest face, 2 the next, …")
    ] = 1,
    group: Annotated[
        bool, Query(description="music for everyone in the photo: the faces' moods blended by face area")
    ] = False,
    genres: Annotated[list[str] | None, Query(description="only these genres (at most 20)")] = None,
    exclude_explicit: bool = False,
    min_popularity: Annotated[int, Query(ge=0, le=100)] = 0,
    year_from: Annotated[int | None, Query(ge=1800, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=1800, le=2100)] = None,
    include_non_music: Annotated[
        bool | None, Query(description=TrackFilters.model_fields["include_non_music"].description)
    ] = None,
) -> Recommendation:
    if group and face_number != 1:
        raise InvalidInput(
            "choose one face (`face_number`) or the group (`group=true`), not both",
            details={"face_number": face_number, "group": group},
        )
    try:
        filters = TrackFilters(
            genres=genres or [],
            exclude_explicit=exclude_explicit,
            min_popularity=min_popularity,
            year_from=year_from,
            year_to=year_to,
            include_non_music=include_non_music,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(
            f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}",
            details={"errors": [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"]} for e in exc.errors()]},
        ) from None
    return await recommend_for_image(
        image=await image.read(),
        content_type=image.content_type,
        face_mode=face.value,
        face_number=face_number,
        group=group,
        policy=policy.value,
        ranking=ranking.value,
        seed=seed,
        limit=limit,
        page=page,
        filters=filters,
        emotion=upstreams.emotion,
        recommender=upstreams.recommender,
        max_upload_bytes=settings.max_upload_bytes,
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
    face: Annotated[
        FaceMode, Query(description="`auto`, `detect` or `whole` (the image is the face)")
    ] = FaceMode.AUTO,
) -> MoodReading:
    analysis, faces = await read_moods(
        image=await image.read(),
        content_type=image.content_type,
        face_mode=face.value,
        emotion=upstreams.emotion,
        max_upload_bytes=settings.max_upload_bytes,
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
    filters = TrackFilters.model_validate(body.model_dump(include=set(TrackFilters.model_fields)))
    return await songs_for(
        probabilities={str(k): v for k, v in body.probabilities.items()},
        policy=body.policy.value,
        ranking=body.ranking.value,
        seed=body.seed,
        limit=body.limit,
        page=body.page,
        filters=filters,
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

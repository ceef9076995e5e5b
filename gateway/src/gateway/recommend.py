"""The product's use cases: a photo in, every face's mood out (`read_moods`); a mood in, songs and
the reasons out (`songs_for`); and both in one call (`recommend_for_image`)."""

import re
from typing import Any

from gateway.moods import blend, chosen_face, face_weights, why
from gateway.schemas import DetectedFace, FaceMood, Recommendation, Songs
from gateway.upstream import Upstream
from moodtune_contracts.analysis import EmotionAnalysis
from moodtune_contracts.emotions import ADJECTIVES, Emotion
from moodtune_contracts.errors import ImageTooLarge
from moodtune_contracts.mood import Policy
from moodtune_contracts.recommendations import RecommendationResponse, TrackFilters

MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*")


def forwarded_type(content_type: str | None) -> str:
    declared = (content_type or "").split(";")[0].strip().lower()
    return declared if MEDIA_TYPE.fullmatch(declared) else "application/octet-stream"


def check_size(image: bytes, max_upload_bytes: int) -> None:
    if len(image) > max_upload_bytes:
        raise ImageTooLarge(
            f"upload is {len(image):,} bytes; the limit is {max_upload_bytes:,}",
            details={"bytes": len(image), "max_bytes": max_upload_bytes},
        )


async def read_moods(
    *, image: bytes, content_type: str | None, face_mode: str, emotion: Upstream, max_upload_bytes: int
) -> tuple[EmotionAnalysis, list[FaceMood]]:
    """Every face in the photo with its mood, largest first (the emotion-service's analysis)."""
    check_size(image, max_upload_bytes)
    # Only what the emotion-service needs: not the caller's filename, and a declared type that is
    # a plain media type (anything else is sent as octet-stream, and the bytes decide).
    files = {"image": ("upload", image, forwarded_type(content_type))}
    analysis = EmotionAnalysis.model_validate(
        await emotion.post("/v1/emotions", files=files, params={"face": face_mode})
    )
    weights = face_weights(analysis.faces)
    faces = [
        FaceMood(
            number=number,
            box=face.box,
            detected=face.detected,
            emotion=face.emotion,
            confidence=face.confidence,
            probabilities=face.probabilities,
            group_weight=round(weight, 4),
        )
        for number, (face, weight) in enumerate(zip(analysis.faces, weights, strict=True), start=1)
    ]
    return analysis, faces


async def songs_for(
    *,
    probabilities: dict[str, float],
    policy: str,
    ranking: str,
    seed: int | None,
    limit: int,
    page: int,
    filters: TrackFilters,
    group: bool,
    recommender: Upstream,
) -> Songs:
    body: dict[str, Any] = {
        "probabilities": probabilities,
        "policy": policy,
        "ranking": ranking,
        "limit": limit,
        "page": page,
        **({"seed": seed} if seed is not None else {}),
        **filters.model_dump(exclude_defaults=True),
    }
    songs = RecommendationResponse.model_validate(await recommender.post("/v1/recommendations", json=body))
    mood = Emotion(songs.emotion)  # the recommender's argmax of what it was sent
    return Songs(
        emotion=mood,
        mood=ADJECTIVES[mood],
        confidence=round(songs.probabilities[mood.value], 6),
        probabilities=songs.probabilities,
        policy=songs.policy,
        why=why(emotion=mood, explanation=songs.explanation, policy=Policy(songs.policy), group=group),
        explanation=songs.explanation,
        tracks=songs.tracks,
        page=songs.page,
        has_more=songs.has_more,
        catalog_version=songs.catalog_version,
    )


async def recommend_for_image(
    *,
    image: bytes,
    content_type: str | None,
    face_mode: str,
    face_number: int,
    group: bool,
    policy: str,
    ranking: str,
    seed: int | None,
    limit: int,
    page: int,
    filters: TrackFilters,
    emotion: Upstream,
    recommender: Upstream,
    max_upload_bytes: int,
) -> Recommendation:
    check_size(image, max_upload_bytes)  # before anything else is asked
    # What cannot succeed fails before the model runs: the filters are checked against the catalog
    # (unknown genre, years it lacks: 422), which also finds a recommender that is down (503).
    await recommender.post("/v1/filters/check", json=filters.model_dump(exclude_defaults=True))
    analysis, faces = await read_moods(
        image=image,
        content_type=content_type,
        face_mode=face_mode,
        emotion=emotion,
        max_upload_bytes=max_upload_bytes,
    )
    if group:
        chosen = analysis.faces[0]
        probabilities = blend(analysis.faces, [f.group_weight for f in faces])
    else:
        chosen = chosen_face(analysis.faces, face_number)
        probabilities = chosen.probabilities
    songs = await songs_for(
        probabilities=probabilities,
        policy=policy,
        ranking=ranking,
        seed=seed,
        limit=limit,
        page=page,
        filters=filters,
        group=group,
        recommender=recommender,
    )
    return Recommendation(
        **songs.model_dump(),
        mood_of="group" if group else "face",
        face_number=None if group else face_number,
        face=DetectedFace(box=chosen.box, detected=chosen.detected),
        faces_found=len(faces),
        faces=faces,
        model=analysis.model,
    )

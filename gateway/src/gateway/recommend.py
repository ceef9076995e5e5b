"""The product's use case: a photo in, the primary face's emotion and songs for it out."""

import re
from typing import Any

from gateway.moods import blend, chosen_face, face_weights, why
from gateway.schemas import DetectedFace, FaceMood, Recommendation
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


async def recommend_for_image(
    *,
    image: bytes,
    content_type: str | None,
    face_mode: str,
    face_number: int,
    group: bool,
    policy: str,
    limit: int,
    page: int,
    filters: TrackFilters,
    emotion: Upstream,
    recommender: Upstream,
    max_upload_bytes: int,
) -> Recommendation:
    if len(image) > max_upload_bytes:
        raise ImageTooLarge(
            f"upload is {len(image):,} bytes; the limit is {max_upload_bytes:,}",
            details={"bytes": len(image), "max_bytes": max_upload_bytes},
        )
    # What cannot succeed fails before the model runs: the filters are checked against the catalog
    # (unknown genre, years it lacks: 422), which also finds a recommender that is down (503).
    await recommender.post("/v1/filters/check", json=filters.model_dump(exclude_defaults=True))
    # Only what the emotion-service needs: not the caller's filename, and a declared type that is
    # a plain media type (anything else is sent as octet-stream, and the bytes decide).
    files = {"image": ("upload", image, forwarded_type(content_type))}
    analysis = EmotionAnalysis.model_validate(
        await emotion.post("/v1/emotions", files=files, params={"face": face_mode})
    )
    faces = analysis.faces
    weights = face_weights(faces)
    chosen = faces[0] if group else chosen_face(faces, face_number)
    probabilities = blend(faces, weights) if group else chosen.probabilities
    body: dict[str, Any] = {
        "probabilities": probabilities,
        "policy": policy,
        "limit": limit,
        "page": page,
        **filters.model_dump(exclude_defaults=True),
    }
    songs = RecommendationResponse.model_validate(await recommender.post("/v1/recommendations", json=body))
    mood = Emotion(songs.emotion)  # the recommender's argmax of what it was sent
    return Recommendation(
        emotion=mood,
        mood=ADJECTIVES[mood],
        confidence=round(songs.probabilities[mood.value], 6),
        probabilities=songs.probabilities,
        mood_of="group" if group else "face",
        face_number=None if group else face_number,
        face=DetectedFace(box=chosen.box, detected=chosen.detected),
        faces_found=len(faces),
        faces=[
            FaceMood(
                number=number,
                box=face.box,
                detected=face.detected,
                emotion=face.emotion,
                confidence=face.confidence,
                probabilities=face.probabilities,
                group_weight=round(weight, 4),
            )
            for number, (face, weight) in enumerate(zip(faces, weights, strict=True), start=1)
        ],
        policy=songs.policy,
        why=why(emotion=mood, explanation=songs.explanation, policy=Policy(songs.policy), group=group),
        explanation=songs.explanation,
        tracks=songs.tracks,
        page=songs.page,
        has_more=songs.has_more,
        model=analysis.model,
        catalog_version=songs.catalog_version,
    )

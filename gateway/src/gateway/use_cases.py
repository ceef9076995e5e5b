"""The product's use cases, over the two upstream services: a photo in, every face's mood out
(`read_moods`); a mood in, songs and the reasons out (`songs_for`); and both in one call
(`recommend_for_photo`)."""

from dataclasses import dataclass
from typing import Any

from gateway.moods import blend, chosen_face, face_weights, why
from gateway.schemas import DetectedFace, FaceMood, Recommendation, Songs
from gateway.upstream import FilePart, Upstream
from moodtune_contracts.analysis import EmotionAnalysis, FaceMode
from moodtune_contracts.emotions import ADJECTIVES, Emotion
from moodtune_contracts.mood import Policy, Ranking
from moodtune_contracts.recommendations import RecommendationResponse, TrackFilters


@dataclass(frozen=True)
class Photo:
    """An upload as the emotion-service is sent it: bytes within the gateway's limit, and a plain
    media type."""

    data: bytes
    media_type: str


@dataclass(frozen=True)
class SongChoice:
    """Which songs for a mood: the policy, the ranking, the list (`seed`) and its page, the filters."""

    policy: Policy
    ranking: Ranking
    seed: int | None
    limit: int
    page: int
    filters: TrackFilters


async def read_moods(
    *, photo: Photo, face_mode: FaceMode, emotion: Upstream
) -> tuple[EmotionAnalysis, list[FaceMood]]:
    """Every face in the photo with its mood, largest first (the emotion-service's analysis)."""
    image = FilePart(field="image", filename="upload", data=photo.data, media_type=photo.media_type)
    analysis = EmotionAnalysis.model_validate(
        await emotion.post_file("/v1/emotions", image, params={"face": face_mode.value})
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
    *, probabilities: dict[str, float], choice: SongChoice, group: bool, recommender: Upstream
) -> Songs:
    body: dict[str, Any] = {
        "probabilities": probabilities,
        "policy": choice.policy.value,
        "ranking": choice.ranking.value,
        "limit": choice.limit,
        "page": choice.page,
        **({"seed": choice.seed} if choice.seed is not None else {}),
        **choice.filters.model_dump(exclude_defaults=True),
    }
    songs = RecommendationResponse.model_validate(await recommender.post_json("/v1/recommendations", body))
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


async def recommend_for_photo(
    *,
    photo: Photo,
    face_mode: FaceMode,
    face_number: int | None,
    choice: SongChoice,
    emotion: Upstream,
    recommender: Upstream,
) -> Recommendation:
    """Songs for the mood of face `face_number` (1 = the largest), or with None the group's."""
    # Filters that cannot succeed fail before the model runs: they are checked against the catalog
    # (unknown genre, years it lacks: 422; a recommender that is down: 503). Without filters there
    # is nothing to check, and the round trip would cost every photo a hop: a recommender that is
    # down is then found by the songs' call (503 all the same), and by the gateway's readiness.
    if filters := choice.filters.model_dump(exclude_defaults=True):
        await recommender.post_json("/v1/filters/check", filters)
    analysis, faces = await read_moods(photo=photo, face_mode=face_mode, emotion=emotion)
    if face_number is None:
        chosen = analysis.faces[0]
        probabilities = blend(analysis.faces, [f.group_weight for f in faces])
    else:
        chosen = chosen_face(analysis.faces, face_number)
        probabilities = chosen.probabilities
    songs = await songs_for(
        probabilities=probabilities, choice=choice, group=face_number is None, recommender=recommender
    )
    return Recommendation(
        **songs.model_dump(),
        mood_of="group" if face_number is None else "face",
        face_number=face_number,
        face=DetectedFace(box=chosen.box, detected=chosen.detected),
        faces_found=len(faces),
        faces=faces,
        model=analysis.model,
    )

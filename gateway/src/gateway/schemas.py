"""What the gateway takes and answers (its OpenAPI spec is a product: every field described,
examples given)."""

from typing import Literal

from pydantic import BaseModel, Field

from moodtune_contracts.analysis import Box, FaceMode, ModelInfo
from moodtune_contracts.errors import InvalidInput
from moodtune_contracts.mood import Policy, Ranking
from moodtune_contracts.recommendations import (
    RANKING_DESCRIPTION,
    SEED_DESCRIPTION,
    SEED_MAX,
    EmotionName,
    Explanation,
    Track,
    TrackFilters,
)


class DetectedFace(BaseModel):
    box: Box
    detected: bool = Field(description="false when the whole image was taken as the face (a tight crop)")


class FaceMood(BaseModel):
    number: int = Field(description="1 = the largest face; faces are numbered by size, largest first")
    box: Box
    detected: bool = Field(description="false when the whole image was taken as the face (a tight crop)")
    emotion: EmotionName
    confidence: float
    probabilities: dict[EmotionName, float]
    group_weight: float = Field(
        description="its share of the group mood: its box area over all the faces' area"
    )


class MoodReading(BaseModel):
    faces: list[FaceMood] = Field(description="every face found, largest first, each with its own mood")
    faces_found: int
    model: ModelInfo


class Songs(BaseModel):
    emotion: EmotionName = Field(description="the mood the songs are for: the chosen face's, or the group's")
    mood: str = Field(description="that emotion in plain words, as in 'you look …'", examples=["sad"])
    confidence: float = Field(description="its probability", examples=[0.71])
    probabilities: dict[EmotionName, float] = Field(
        description="all 7 emotions: the chosen face's, or the group's blend"
    )
    policy: Policy
    why: str = Field(
        description="the reasons in plain words; the numbers behind them are in `explanation`",
        examples=[
            "You look sad, so here is bright and energetic, danceable music to lift your mood — most "
            "popular first."
        ],
    )
    explanation: Explanation
    tracks: list[Track] = Field(description="ranked by popularity, most popular first")
    page: int = Field(description="this page of the ranking (1 = the most popular tracks)")
    has_more: bool = Field(description="whether page + 1 has tracks")
    catalog_version: str


class Recommendation(Songs):
    mood_of: Literal["face", "group"] = Field(description="one face's mood, or the group's blend")
    face_number: int | None = Field(description="the face whose mood counts (1 = largest); null for a group")
    face: DetectedFace = Field(description="the chosen face (for a group: the largest)")
    faces_found: int = Field(description="faces in the image")
    faces: list[FaceMood] = Field(description="every face found, largest first, each with its own mood")
    model: ModelInfo


FACE_MODE_DESCRIPTION = "`auto`, `detect` or `whole` (the image is the face)"


class RecommendQuery(BaseModel):
    """POST /recommend's query parameters: whose mood, which songs, and the track filters.

    `genres` is not limited here: the router checks the filters with TrackFilters, whose limit of
    20 answers `invalid_input` as the recommender's own checks do."""

    policy: Policy = Field(Policy.MATCH, description="`match` the mood, or `uplift` a negative one")
    ranking: Ranking = Field(Ranking.MOOD, description=RANKING_DESCRIPTION)
    seed: int | None = Field(None, ge=0, le=SEED_MAX, description=SEED_DESCRIPTION)
    limit: int = Field(20, ge=1, le=100)
    page: int = Field(1, ge=1, le=100, description="the next songs: page 2 follows page 1")
    face: FaceMode = Field(FaceMode.AUTO, description=FACE_MODE_DESCRIPTION)
    face_number: int = Field(
        1, ge=1, le=100, description="whose mood counts: 1 = the largest face, 2 the next, …"
    )
    group: bool = Field(
        False, description="music for everyone in the photo: the faces' moods blended by face area"
    )
    genres: list[str] | None = Field(None, description="only these genres (at most 20)")
    exclude_explicit: bool = False
    min_popularity: int = Field(0, ge=0, le=100)
    year_from: int | None = Field(None, ge=1800, le=2100)
    year_to: int | None = Field(None, ge=1800, le=2100)
    include_non_music: bool | None = Field(
        None, description=TrackFilters.model_fields["include_non_music"].description
    )

    def whose_mood(self) -> int | None:
        """The number of the face whose mood counts, or None for the group's."""
        if self.group and self.face_number != 1:
            raise InvalidInput(
                "choose one face (`face_number`) or the group (`group=true`), not both",
                details={"face_number": self.face_number, "group": self.group},
            )
        return None if self.group else self.face_number


class SongsRequest(TrackFilters):
    """Songs for a mood already known (live mode sends its smoothed probabilities)."""

    probabilities: dict[EmotionName, float] = Field(description="all 7 emotions, summing to 1")
    policy: Policy = Policy.MATCH
    ranking: Ranking = Field(Ranking.MOOD, description=RANKING_DESCRIPTION)
    seed: int | None = Field(None, ge=0, le=SEED_MAX, description=SEED_DESCRIPTION)
    group: bool = Field(False, description="the mood is a group's (only the wording of `why` changes)")
    limit: int = Field(20, ge=1, le=100)
    page: int = Field(1, ge=1, le=100)


class PlaylistRequest(BaseModel):
    name: str = Field("Moodtune", min_length=1, max_length=100)
    description: str = Field("Made by Moodtune", max_length=300)
    track_ids: list[str] = Field(min_length=1, max_length=100, description="Spotify track ids, in order")
    public: bool = False


class Playlist(BaseModel):
    id: str
    url: str = Field(description="the playlist on open.spotify.com")
    tracks_added: int

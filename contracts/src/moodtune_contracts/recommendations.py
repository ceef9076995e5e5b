"""The recommender-service's request and response: served by it, sent and read by the gateway."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from moodtune_contracts.catalog_schema import ClusterProfile, EmotionMappingEntry, NonMusic
from moodtune_contracts.emotions import EMOTIONS
from moodtune_contracts.mood import Policy, Ranking

# Kept as plain strings (listed in the schema) so an unknown one gets the domain's clear
# `unknown_emotion` error rather than a generic validation message.
EmotionName = Annotated[str, Field(json_schema_extra={"enum": list(EMOTIONS)}, examples=["sad"])]


class TrackFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    genres: list[str] = Field(default_factory=list, max_length=20, description="any of these genres")
    exclude_explicit: bool = Field(False, description="also drops tracks whose explicitness is unknown")
    min_popularity: int = Field(0, ge=0, le=100)
    year_from: int | None = Field(None, ge=1800, le=2100, description="only for catalogs with years")
    year_to: int | None = Field(None, ge=1800, le=2100, description="only for catalogs with years")
    include_non_music: bool | None = Field(
        None,
        description="also tracks that are not music to listen to (white noise, sleep sounds, spoken word; "
        "the catalog card says which); absent: left out for `ranking=mood`, kept for `ranking=study` "
        "(the study's lists as they were)",
    )


class GenreListing(BaseModel):
    catalog_version: str
    genres: list[str] = Field(description="every genre in the catalog, alphabetical (the `genres` filter)")


class FilterCheck(BaseModel):
    """The filters can be applied to this catalog."""

    ok: bool = True
    catalog_version: str


RANKING_DESCRIPTION = (
    "`mood`: the songs nearest the mood in the chosen cluster, most popular first; `study`: the whole "
    "cluster, most popular first, as the study ranked it"
)
SEED_MAX = 2**31 - 1
SEED_DESCRIPTION = (
    "a fresh list for the same mood: the songs come from a half of the catalog that this number picks; "
    "the same seed gives the same list (paging keeps it)"
)


class RecommendationRequest(TrackFilters):
    # Exactly one of `emotion` and `probabilities` (checked by mood.emotion_vector); the schema says
    # so with oneOf, and neither may be null: leave the other one out.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["emotion"], "not": {"required": ["probabilities"]}},
                {"required": ["probabilities"], "not": {"required": ["emotion"]}},
            ]
        },
    )

    emotion: EmotionName | SkipJsonSchema[None] = Field(
        None, description="one emotion; or give `probabilities`"
    )
    probabilities: dict[EmotionName, float] | SkipJsonSchema[None] = Field(
        None,
        description="probability of each emotion (missing ones count as 0; must sum to 1)",
        examples=[{"sad": 0.7, "neutral": 0.2, "fear": 0.1}],
    )
    policy: Policy = Field(Policy.MATCH, description="`match` the mood or `uplift` a negative one")
    ranking: Ranking = Field(Ranking.MOOD, description=RANKING_DESCRIPTION)
    seed: int | None = Field(None, ge=0, le=SEED_MAX, description=SEED_DESCRIPTION)
    limit: int = Field(20, ge=1, le=100)
    page: int = Field(1, ge=1, le=100)

    @model_validator(mode="before")
    @classmethod
    def no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("emotion", "probabilities"):
                if key in data and data[key] is None:
                    raise ValueError(f"`{key}` may not be null; leave it out and give the other one")
        return data


class AudioFeatures(BaseModel):
    acousticness: float
    danceability: float
    energy: float
    instrumentalness: float
    liveness: float
    loudness: float
    speechiness: float
    tempo: float
    valence: float


class Track(BaseModel):
    id: str
    name: str
    artists: list[str]
    album: str | None
    genres: list[str]
    year: int | None
    popularity: int
    explicit: bool | None
    duration_ms: int
    features: AudioFeatures
    cluster: int
    non_music: NonMusic | None = Field(
        None, description="why it is not music to listen to, when those were asked for; null: music"
    )
    spotify_url: str


class MoodTarget(BaseModel):
    valence: float
    energy: float


class ClusterChoice(BaseModel):
    cluster: int
    label: str
    distance: float = Field(description="distance of the cluster's (valence, energy) to the target")
    chosen: bool = Field(description="tracks are drawn from this cluster")
    valence: float
    energy: float
    size: int


class MoodPool(BaseModel):
    """Where `ranking=mood` drew the songs: the tracks nearest the target in the chosen cluster."""

    size: int = Field(
        description="the first song is the most popular of this many tracks nearest the target (fewer for a "
        "surer face)"
    )
    growth: int = Field(description="each further song comes from a pool this many tracks wider")
    radius: float | None = Field(
        description="distance in valence x energy from the target to the farthest track of the first pool; "
        "null when no track passed the filters"
    )


class Explanation(BaseModel):
    target: MoodTarget
    clusters: list[ClusterChoice] = Field(description="every cluster, nearest first")
    ranking: Ranking
    pool: MoodPool | None = Field(description="how the mood's pool was drawn; null for `ranking=study`")
    seed: int | None = Field(description="the seed that picked this list's half of the catalog, if any")
    non_music_left_out: bool = Field(description="whether tracks that are not music to listen to stay out")
    summary: str = Field(description="all of this in words")


class RecommendationResponse(BaseModel):
    emotion: str = Field(description="the most probable emotion")
    probabilities: dict[str, float]
    policy: Policy
    explanation: Explanation
    page: int
    limit: int
    has_more: bool
    tracks: list[Track] = Field(description="ranked by popularity, most popular first")
    catalog_version: str


class ClusterListing(BaseModel):
    catalog: str
    catalog_version: str
    clusters: list[ClusterProfile]
    emotion_mapping: dict[str, dict[str, EmotionMappingEntry]]

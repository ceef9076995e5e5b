"""The catalog artifact's contract: written by `training.catalog`, read by the recommender-service.

An artifact is a directory holding `tracks.parquet` (one row per track, columns below) and
`manifest.json` (a `CatalogManifest`). Bump SCHEMA_VERSION on any incompatible change.
"""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from moodtune_contracts.mood import MoodPoint

SCHEMA_VERSION = 2  # 2: the `non_music` column and the manifest's `non_music` report
TRACKS_FILE = "tracks.parquet"
MANIFEST_FILE = "manifest.json"

# The study's clustering features, in the order of the scaler and centroid vectors.
CLUSTER_FEATURES: tuple[str, ...] = (
    "acousticness",
    "danceability",
    "energy",
    "instrumentalness",
    "liveness",
    "loudness",
    "popularity",
    "speechiness",
    "tempo",
    "valence",
)

# Audio features every track carries (popularity is a column of its own).
AUDIO_FEATURES: tuple[str, ...] = tuple(f for f in CLUSTER_FEATURES if f != "popularity")

# Valid ranges, used to validate input rows. Loudness is in dB, tempo in BPM.
FEATURE_RANGES: dict[str, tuple[float, float]] = {
    "acousticness": (0.0, 1.0),
    "danceability": (0.0, 1.0),
    "energy": (0.0, 1.0),
    "instrumentalness": (0.0, 1.0),
    "liveness": (0.0, 1.0),
    "loudness": (-60.0, 5.0),
    "popularity": (0.0, 100.0),
    "speechiness": (0.0, 1.0),
    "tempo": (0.0, 300.0),
    "valence": (0.0, 1.0),
}


class NonMusic(StrEnum):
    """Why a track is not music to listen to for a mood (the catalog job decides, from the genres and
    audio features; the recommender leaves these out unless asked for them)."""

    NOISE = "noise"  # no beat at all: white noise, rain and fan loops, or audio that was not analysed
    SLEEP = "sleep"  # filed under the sleep genre: sounds and music made to fall asleep to
    SPOKEN = "spoken"  # made of spoken words: comedy, stories, skits


# tracks.parquet columns. `artists` and `genres` are lists of strings; `year` is null when the
# source layout has none; `explicit` is null when unknown; `cluster` is the k-means cluster id;
# `non_music` is a NonMusic value, null for music.
TRACK_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "artists",
    "album",
    "genres",
    "year",
    "popularity",
    "explicit",
    "duration_ms",
    *AUDIO_FEATURES,
    "cluster",
    "non_music",
)


# The ranking, defined once: most popular first, ties by track id. The catalog job stores rows in
# this order and the recommender relies on it (a row's index is its rank).
RANKING: tuple[tuple[str, str], ...] = (("popularity", "descending"), ("id", "ascending"))


def spotify_track_url(track_id: str) -> str:
    return f"https://open.spotify.com/track/{track_id}"


class SourceInfo(BaseModel):
    file: str
    sha256: str
    layout: str
    rows_read: int
    rows_bad: int
    rows_merged: int = Field(description="rows folded into an earlier row with the same track id")
    tracks: int
    bad_row_examples: list[str]
    bad_by_column: dict[str, int] = Field(default_factory=dict)


class ScalerParams(BaseModel):
    features: list[str]
    data_min: list[float]
    data_max: list[float]


class ClusterProfile(BaseModel):
    cluster: int
    label: str
    size: int
    share: float
    means: dict[str, float] = Field(description="mean of each clustering feature, in natural units")
    valence: float
    energy: float


def cluster_points(profiles: Iterable[ClusterProfile]) -> dict[int, MoodPoint]:
    """Each cluster's centroid in the mood plane, as the mood mapping ranks them."""
    return {p.cluster: MoodPoint(valence=p.valence, energy=p.energy) for p in profiles}


class ClusteringInfo(BaseModel):
    k: int
    seed: int
    train_fraction: float
    centroids_scaled: list[list[float]]
    train_inertia: float
    holdout_inertia: float
    train_silhouette: float
    holdout_silhouette: float
    silhouette_sample_size: int


class EmotionMappingEntry(BaseModel):
    valence: float
    energy: float
    clusters: list[int] = Field(description="cluster ids, nearest first")


class NonMusicReport(BaseModel):
    """The tracks the catalog job marked as not music for listening, and the rules it applied."""

    tracks: int = Field(description="tracks marked, all reasons together")
    by_reason: dict[NonMusic, int] = Field(description="tracks per reason (each under its first rule)")
    rules: dict[NonMusic, str] = Field(description="each reason's rule, in the order they are tried")


class CatalogManifest(BaseModel):
    schema_version: int = SCHEMA_VERSION
    name: str
    version: str = Field(description="name@<first 12 hex of tracks.parquet's sha256>")
    created_at: datetime
    builder: str = Field(description="the command that built the artifact")
    source: SourceInfo
    has_years: bool
    genres: list[str]
    scaler: ScalerParams
    clustering: ClusteringInfo
    clusters: list[ClusterProfile]
    emotion_mapping: dict[str, dict[str, EmotionMappingEntry]] = Field(
        description="policy -> emotion -> target point and clusters ranked by distance"
    )
    non_music: NonMusicReport

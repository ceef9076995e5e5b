"""What the gateway answers (its OpenAPI spec is a product: every field described, examples given)."""

from pydantic import BaseModel, Field

from moodtune_contracts.analysis import Box, ModelInfo
from moodtune_contracts.mood import Policy
from moodtune_contracts.recommendations import EmotionName, Explanation, Track


class DetectedFace(BaseModel):
    box: Box
    detected: bool = Field(description="false when the whole image was taken as the face (a tight crop)")


class Recommendation(BaseModel):
    emotion: EmotionName = Field(description="the primary face's most probable emotion")
    confidence: float = Field(description="its probability", examples=[0.71])
    probabilities: dict[EmotionName, float] = Field(description="all 7 emotions")
    face: DetectedFace = Field(description="the primary (largest) face")
    faces_found: int = Field(description="faces in the image; the largest one is used")
    policy: Policy
    explanation: Explanation
    tracks: list[Track] = Field(description="ranked by popularity, most popular first")
    page: int = Field(description="this page of the ranking (1 = the most popular tracks)")
    has_more: bool = Field(description="whether page + 1 has tracks")
    model: ModelInfo
    catalog_version: str


class PlaylistRequest(BaseModel):
    name: str = Field("Moodtune", min_length=1, max_length=100)
    description: str = Field("Made by Moodtune", max_length=300)
    track_ids: list[str] = Field(min_length=1, max_length=100, description="Spotify track ids, in order")
    public: bool = False


class Playlist(BaseModel):
    id: str
    url: str = Field(description="the playlist on open.spotify.com")
    tracks_added: int

"""The gateway's configuration, from `GATEWAY_*` environment variables (defaults below)."""

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from moodtune_service_kit.serving import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    port: int = 8000
    public_url: str | None = Field(
        None,
        description="where clients reach the gateway (e.g. https://moodtune.example.com): the spec's "
        '`servers` entry; unset, the spec names the host serving it (`/`), so /docs\' "Try it out" '
        "works on whatever address it was opened",
    )
    emotion_url: str = Field("http://127.0.0.1:8001", description="emotion-service base URL")
    recommender_url: str = Field("http://127.0.0.1:8002", description="recommender-service base URL")
    request_budget_s: float = Field(
        6.0,
        gt=0,
        description="the longest a request that calls the services may take in all: each call gets what "
        "is left of it (a caller may ask for less with the X-Request-Budget-Ms header), then 504",
    )
    max_queue_wait_s: float = Field(
        1.0,
        gt=0,
        description="bounded queueing for photos (/recommend, /moods): one is taken only while those in "
        "hand would be answered within this many seconds (measured service time per photo); beyond it, "
        "503 `overloaded` with Retry-After, before any service is asked",
    )
    emotion_timeout_s: float = Field(
        5.0,
        gt=0,
        description="per call to the emotion-service: its bounded queue answers within ~1 s or says "
        "`overloaded` (p99 under overload in benchmarks/RESULTS.md), so a hung one costs 5 s, not more",
    )
    recommender_timeout_s: float = Field(3.0, gt=0, description="per call to the recommender-service")
    connect_timeout_s: float = Field(2.0, gt=0)
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="largest image accepted (413 above)")
    spotify_api_url: str = Field(
        "https://api.spotify.com/v1/", description="Spotify Web API base (tests point it at a fake)"
    )
    spotify_timeout_s: float = Field(10.0, gt=0)
    spotify_client_id: str | None = Field(
        None,
        description="a Spotify app's client id: the page offers 'Connect Spotify and save' (the "
        "authorization-code flow with PKCE, no secret); unset, the page only takes a pasted token",
    )
    spotify_accounts_url: str = Field(
        "https://accounts.spotify.com", description="Spotify's accounts service (tests point it at a fake)"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated origins whose browser apps may call the API (e.g. "
        "https://app.example.com); none by default: only the gateway's own page",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

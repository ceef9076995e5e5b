"""The recommender's configuration, from `RECOMMENDER_*` environment variables (defaults below)."""

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from moodtune_service_kit.serving import ServiceSettings

# The committed default catalog; a checkout or an image built from it has it at this place.
DEFAULT_CATALOG = Path(__file__).resolve().parents[3] / "artifacts" / "catalog"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECOMMENDER_")

    catalog_path: Path = Field(DEFAULT_CATALOG, description="catalog artifact directory")
    port: int = 8002
    max_per_artist: int = Field(2, ge=1, description="most tracks of one artist on one page")
    fallback_margin: float = Field(
        0.25,
        ge=0.0,
        description="clusters this much farther than the nearest one may fill a page the nearest cannot",
    )
    max_depth: int = Field(2000, ge=100, description="deepest track position paging may reach")
    pool_size: int = Field(
        50,
        ge=1,
        description="ranking=mood: the first song is the most popular of this many tracks nearest the mood's "
        "target, for a face that reads every emotion alike",
    )
    pool_size_sure: int = Field(
        25, ge=1, description="the same for a face reading one emotion at probability 1 (linear in between)"
    )
    pool_growth: int = Field(
        2, ge=0, description="each further song comes from a pool this many tracks wider"
    )

    @model_validator(mode="after")
    def sure_pool_is_not_wider(self) -> Self:
        if self.pool_size_sure > self.pool_size:
            raise ValueError(
                f"pool_size_sure ({self.pool_size_sure}) is larger than pool_size ({self.pool_size})"
            )
        return self

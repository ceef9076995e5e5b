"""Dependencies the routers share, as Annotated aliases."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from gateway.settings import Settings
from gateway.upstream import Upstream
from moodtune_service_kit.state import from_app_state


@dataclass(frozen=True)
class Upstreams:
    emotion: Upstream
    recommender: Upstream


UpstreamsDep = Annotated[Upstreams, Depends(from_app_state("upstreams", Upstreams))]
SettingsDep = Annotated[Settings, Depends(from_app_state("settings", Settings))]

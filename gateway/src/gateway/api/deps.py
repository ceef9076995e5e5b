"""Dependencies the routers share, as Annotated aliases."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from gateway.settings import Settings
from gateway.upstream import Upstream


@dataclass(frozen=True)
class Upstreams:
    emotion: Upstream
    recommender: Upstream


def get_upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.upstreams
    return upstreams


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


UpstreamsDep = Annotated[Upstreams, Depends(get_upstreams)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

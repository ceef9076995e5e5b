"""Dependencies the routers share, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Request

from moodtune_contracts.errors import NotReady
from recommender_service.catalog import Catalog
from recommender_service.settings import Settings


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog | None = getattr(request.app.state, "catalog", None)
    if catalog is None:
        raise NotReady("the catalog is not loaded yet")
    return catalog


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

"""Dependencies the routers share, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends

from moodtune_service_kit.state import from_app_state
from recommender_service.catalog import Catalog
from recommender_service.settings import Settings

CatalogDep = Annotated[
    Catalog, Depends(from_app_state("catalog", Catalog, not_ready="the catalog is not loaded yet"))
]
SettingsDep = Annotated[Settings, Depends(from_app_state("settings", Settings))]

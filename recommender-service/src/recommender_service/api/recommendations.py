"""POST /v1/recommendations, POST /v1/filters/check, GET /v1/clusters and GET /v1/genres."""

from fastapi import APIRouter

from moodtune_contracts.recommendations import (
    ClusterListing,
    FilterCheck,
    GenreListing,
    RecommendationRequest,
    RecommendationResponse,
    TrackFilters,
)
from moodtune_service_kit.errors import ERROR_RESPONSES
from recommender_service.api import API_PREFIX
from recommender_service.api.deps import CatalogDep, SettingsDep
from recommender_service.recommend import checked_filter, recommend

router = APIRouter(prefix=API_PREFIX, tags=["recommendations"])


@router.post(
    "/recommendations",
    operation_id="recommend",
    response_model=RecommendationResponse,
    responses=ERROR_RESPONSES,
    summary="Tracks for an emotion or a probability vector, ranked by popularity",
)
def create_recommendations(
    body: RecommendationRequest, catalog: CatalogDep, settings: SettingsDep
) -> RecommendationResponse:
    return recommend(request=body, catalog=catalog, settings=settings)


@router.post(
    "/filters/check",
    operation_id="checkFilters",
    response_model=FilterCheck,
    responses=ERROR_RESPONSES,
    summary="Whether this catalog can apply these filters (the gateway asks before it runs the model)",
)
def check_filters(body: TrackFilters, catalog: CatalogDep) -> FilterCheck:
    checked_filter(body, catalog)
    return FilterCheck(catalog_version=catalog.manifest.version)


@router.get(
    "/clusters",
    operation_id="listClusters",
    response_model=ClusterListing,
    summary="The catalog's clusters, their audio profiles and the emotion mapping",
)
def list_clusters(catalog: CatalogDep) -> ClusterListing:
    manifest = catalog.manifest
    return ClusterListing(
        catalog=manifest.name,
        catalog_version=manifest.version,
        clusters=manifest.clusters,
        emotion_mapping=manifest.emotion_mapping,
    )


@router.get(
    "/genres",
    operation_id="listGenres",
    response_model=GenreListing,
    summary="The catalog's genres (the values the `genres` filter takes)",
)
def list_genres(catalog: CatalogDep) -> GenreListing:
    return GenreListing(catalog_version=catalog.manifest.version, genres=catalog.genres)

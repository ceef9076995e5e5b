"""The recommendation use case: request in, explained and ranked tracks out."""

from moodtune_contracts.catalog_schema import cluster_points, spotify_track_url
from moodtune_contracts.mood import MoodPlan, emotion_vector, plan
from moodtune_contracts.recommendations import (
    ClusterChoice,
    Explanation,
    MoodTarget,
    RecommendationRequest,
    RecommendationResponse,
    Track,
    TrackFilters,
)
from recommender_service.catalog import Catalog, TrackFilter
from recommender_service.settings import Settings


def recommend(
    *, request: RecommendationRequest, catalog: Catalog, settings: Settings
) -> RecommendationResponse:
    vector = emotion_vector(emotion=request.emotion, probabilities=request.probabilities)
    track_filter = checked_filter(request, catalog)
    mood_plan = plan(
        vector=vector,
        policy=request.policy,
        cluster_points=cluster_points(catalog.manifest.clusters),
        fallback_margin=settings.fallback_margin,
    )
    page = catalog.page(
        clusters=mood_plan.chosen,
        track_filter=track_filter,
        page=request.page,
        limit=request.limit,
        max_per_artist=settings.max_per_artist,
        max_depth=settings.max_depth,
    )
    tracks = [
        Track(**track, spotify_url=spotify_track_url(track["id"])) for track in catalog.tracks(page.rows)
    ]
    return RecommendationResponse(
        emotion=mood_plan.dominant.value,
        probabilities={e.value: round(p, 6) for e, p in vector.items()},
        policy=request.policy,
        explanation=explain(mood_plan, catalog),
        page=request.page,
        limit=request.limit,
        has_more=page.has_more,
        tracks=tracks,
        catalog_version=catalog.manifest.version,
    )


def checked_filter(filters: TrackFilters, catalog: Catalog) -> TrackFilter:
    """The request's filters, checked against this catalog (unknown genre, years it lacks: 422)."""
    track_filter = TrackFilter(
        genres=tuple(filters.genres),
        exclude_explicit=filters.exclude_explicit,
        min_popularity=filters.min_popularity,
        year_from=filters.year_from,
        year_to=filters.year_to,
    )
    catalog.check_filter(track_filter)
    return track_filter


def explain(mood_plan: MoodPlan, catalog: Catalog) -> Explanation:
    profiles = {p.cluster: p for p in catalog.manifest.clusters}
    choices = [
        ClusterChoice(
            cluster=cluster,
            label=profiles[cluster].label,
            distance=round(distance, 4),
            chosen=cluster in mood_plan.chosen,
            valence=profiles[cluster].valence,
            energy=profiles[cluster].energy,
            size=profiles[cluster].size,
        )
        for cluster, distance in mood_plan.ranked
    ]
    target = mood_plan.target
    first = choices[0]
    more = len(mood_plan.chosen) - 1
    summary = (
        f"{mood_plan.policy.value} for {mood_plan.dominant.value}: aiming at valence {target.valence:.2f}, "
        f"energy {target.energy:.2f}; nearest is cluster {first.cluster} ({first.label}, valence "
        f"{first.valence:.2f}, energy {first.energy:.2f})"
        + (f", then {more} more cluster(s) almost as near" if more else "")
        + "; most popular first."
    )
    return Explanation(
        target=MoodTarget(valence=target.valence, energy=target.energy), clusters=choices, summary=summary
    )

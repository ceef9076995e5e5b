"""The recommendation use case: request in, explained and ranked tracks out."""

from moodtune_contracts.catalog_schema import cluster_points, spotify_track_url
from moodtune_contracts.mood import MoodPlan, Ranking, emotion_vector, plan, pool_size
from moodtune_contracts.recommendations import (
    ClusterChoice,
    Explanation,
    MoodPool,
    MoodTarget,
    RecommendationRequest,
    RecommendationResponse,
    Track,
    TrackFilters,
)
from recommender_service.catalog import Catalog, Page, TrackFilter
from recommender_service.catalog import MoodPool as Pool
from recommender_service.settings import Settings


def recommend(
    *, request: RecommendationRequest, catalog: Catalog, settings: Settings
) -> RecommendationResponse:
    vector = emotion_vector(emotion=request.emotion, probabilities=request.probabilities)
    track_filter = checked_filter(request, catalog, ranking=request.ranking, seed=request.seed)
    mood_plan = plan(
        vector=vector,
        policy=request.policy,
        cluster_points=cluster_points(catalog.manifest.clusters),
        fallback_margin=settings.fallback_margin,
    )
    pool = None
    if request.ranking is Ranking.MOOD:
        size = pool_size(vector, widest=settings.pool_size, tightest=settings.pool_size_sure)
        target = mood_plan.target
        pool = Pool(valence=target.valence, energy=target.energy, size=size, growth=settings.pool_growth)
    page = catalog.page(
        clusters=mood_plan.chosen,
        track_filter=track_filter,
        page=request.page,
        limit=request.limit,
        max_per_artist=settings.max_per_artist,
        max_depth=settings.max_depth,
        pool=pool,
    )
    tracks = [
        Track(**track, spotify_url=spotify_track_url(track["id"])) for track in catalog.tracks(page.rows)
    ]
    return RecommendationResponse(
        emotion=mood_plan.dominant.value,
        probabilities={e.value: round(p, 6) for e, p in vector.items()},
        policy=request.policy,
        explanation=explain(mood_plan, catalog, track_filter=track_filter, pool=pool, page=page),
        page=request.page,
        limit=request.limit,
        has_more=page.has_more,
        tracks=tracks,
        catalog_version=catalog.manifest.version,
    )


def checked_filter(
    filters: TrackFilters, catalog: Catalog, *, ranking: Ranking = Ranking.MOOD, seed: int | None = None
) -> TrackFilter:
    """The request's filters, checked against this catalog (unknown genre, years it lacks: 422).
    Tracks that are not music to listen to stay out unless asked for, except in the study's ranking,
    which reproduces the study's lists as they were."""
    include_non_music = filters.include_non_music
    if include_non_music is None:
        include_non_music = ranking is Ranking.STUDY
    track_filter = TrackFilter(
        genres=tuple(filters.genres),
        exclude_explicit=filters.exclude_explicit,
        min_popularity=filters.min_popularity,
        year_from=filters.year_from,
        year_to=filters.year_to,
        include_non_music=include_non_music,
        seed=seed,
    )
    catalog.check_filter(track_filter)
    return track_filter


def explain(
    mood_plan: MoodPlan, catalog: Catalog, *, track_filter: TrackFilter, pool: Pool | None, page: Page
) -> Explanation:
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
    if pool is None:
        drawn = "the whole cluster, most popular first (the study's ranking)"
    else:
        within = f", within {page.radius:.3f} of it" if page.radius is not None else ""
        drawn = (
            f"in the nearest, the {pool.size} tracks nearest that point{within}, most popular first; "
            f"each further song comes from a pool {pool.growth} tracks wider"
        )
    notes = []
    if track_filter.seed is not None:
        notes.append(f"seed {track_filter.seed}: from the half of the catalog it picks")
    if not track_filter.include_non_music:
        notes.append("white noise, sleep sounds and spoken word left out")
    summary = (
        f"{mood_plan.policy.value} for {mood_plan.dominant.value}: aiming at valence {target.valence:.2f}, "
        f"energy {target.energy:.2f}; nearest is cluster {first.cluster} ({first.label}, valence "
        f"{first.valence:.2f}, energy {first.energy:.2f})"
        + (f", then {more} more cluster(s) almost as near" if more else "")
        + f"; {drawn}"
        + "".join(f"; {note}" for note in notes)
        + "."
    )
    return Explanation(
        target=MoodTarget(valence=target.valence, energy=target.energy),
        clusters=choices,
        ranking=Ranking.STUDY if pool is None else Ranking.MOOD,
        pool=None if pool is None else MoodPool(size=pool.size, growth=pool.growth, radius=page.radius),
        seed=track_filter.seed,
        non_music_left_out=not track_filter.include_non_music,
        summary=summary,
    )

"""What the recommender's lists are like over many faces: how many different lists and songs, how
near the mood, how popular, how much of them is not music, and how long each query took. The
recommendations benchmark reports these; a test checks them on a small catalog."""

import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from moodtune_contracts.mood import Policy, Ranking
from moodtune_contracts.recommendations import RecommendationRequest, RecommendationResponse
from recommender_service.catalog import Catalog
from recommender_service.recommend import recommend
from recommender_service.settings import Settings
from support.stats import percentiles


def side_by_side(
    *,
    catalog: Catalog,
    settings: Settings,
    vectors: Sequence[Mapping[str, float]],
    policy: Policy,
    rankings: Sequence[Ranking] = (Ranking.STUDY, Ranking.MOOD),
    limit: int = 10,
    seed: int | None = None,
) -> dict[Ranking, tuple[list[RecommendationResponse], list[float]]]:
    """Every vector's first page under each ranking, and each query's time in ms. The rankings take
    turns face by face (which goes first alternates), so both are timed under the same load."""
    results: dict[Ranking, tuple[list[RecommendationResponse], list[float]]] = {r: ([], []) for r in rankings}
    for i, vector in enumerate(vectors):
        order = rankings if i % 2 == 0 else tuple(reversed(rankings))
        for ranking in order:
            request = RecommendationRequest(
                probabilities=dict(vector), policy=policy, ranking=ranking, limit=limit, seed=seed
            )
            started = time.perf_counter()
            response = recommend(request=request, catalog=catalog, settings=settings)
            elapsed = (time.perf_counter() - started) * 1000
            results[ranking][0].append(response)
            results[ranking][1].append(elapsed)
    return results


def summary(responses: Sequence[RecommendationResponse], times_ms: Sequence[float]) -> dict[str, Any]:
    """The lists' figures: each gap is a listed track's |feature - target|, averaged over every
    track of every list."""
    lists = [tuple(t.id for t in r.tracks) for r in responses]
    tracks = [(t, r.explanation.target) for r in responses for t in r.tracks]
    counts = Counter(lists)
    return {
        "faces": len(lists),
        "distinct_lists": len(counts),
        "distinct_list_share": round(len(counts) / max(len(lists), 1), 4),
        "most_common_list_share": round(counts.most_common(1)[0][1] / len(lists), 4) if lists else 0.0,
        "distinct_tracks": len({t.id for t, _ in tracks}),
        "mean_abs_valence_gap": _mean(abs(t.features.valence - target.valence) for t, target in tracks),
        "mean_abs_energy_gap": _mean(abs(t.features.energy - target.energy) for t, target in tracks),
        "mean_popularity": _mean(t.popularity for t, _ in tracks),
        "non_music_share": _mean(t.non_music is not None for t, _ in tracks),
        "lists_with_noise_or_sleep": sum(
            any(t.non_music in ("noise", "sleep") or "sleep" in t.genres for t in r.tracks) for r in responses
        ),
        "query": percentiles(list(times_ms)),
    }


def shared_share(a: Sequence[RecommendationResponse], b: Sequence[RecommendationResponse]) -> float:
    """How much of each list in `a` the list in `b` for the same face also holds, on average."""
    shares = [
        len({t.id for t in x.tracks} & {t.id for t in y.tracks}) / max(len(x.tracks), 1)
        for x, y in zip(a, b, strict=True)
    ]
    return round(statistics.fmean(shares), 4) if shares else 0.0


def _mean(values: Any) -> float:
    values = [float(v) for v in values]
    return round(statistics.fmean(values), 4) if values else 0.0

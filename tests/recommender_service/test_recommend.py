"""The recommendation use case in-process, against a catalog artifact built by the real job."""

from pathlib import Path
from typing import Any

import pytest

from moodtune_contracts.errors import InvalidProbabilities, UnknownEmotion
from moodtune_contracts.recommendations import RecommendationRequest, RecommendationResponse
from recommender_service.catalog import Catalog
from recommender_service.errors import InvalidFilter, UnknownGenre, UnsupportedFilter
from recommender_service.recommend import recommend
from recommender_service.settings import Settings
from support.catalogs import synthetic_tracks, write_1921

SETTINGS = Settings(max_per_artist=2, fallback_margin=0.0)


@pytest.fixture(scope="module")
def catalog(synthetic_catalog: Path) -> Catalog:
    return Catalog.load(synthetic_catalog)


def ask(catalog: Catalog, settings: Settings = SETTINGS, **request: object) -> RecommendationResponse:
    return recommend(request=RecommendationRequest(**request), catalog=catalog, settings=settings)


def group(track_id: str) -> str:
    return track_id.rstrip("0123456789")


def test_match_for_sad_draws_from_the_sad_cluster_ranked_by_popularity(catalog: Catalog) -> None:
    result = ask(catalog, emotion="sad", limit=20)
    assert {group(t.id) for t in result.tracks} == {"sad"}
    popularity = [t.popularity for t in result.tracks]
    assert popularity == sorted(popularity, reverse=True)
    assert result.emotion == "sad" and result.probabilities["sad"] == 1.0
    assert result.tracks[0].spotify_url == f"https://open.spotify.com/track/{result.tracks[0].id}"


def test_uplift_for_sad_brings_brighter_music_and_says_why(catalog: Catalog) -> None:
    result = ask(catalog, emotion="sad", policy="uplift")
    assert all(t.features.valence > 0.7 for t in result.tracks)
    explanation = result.explanation
    assert explanation.target.valence == 0.75
    assert explanation.clusters[0].chosen and not explanation.clusters[-1].chosen
    assert [c.distance for c in explanation.clusters] == sorted(c.distance for c in explanation.clusters)
    assert "uplift for sad" in explanation.summary


def test_happy_is_the_same_under_both_policies(catalog: Catalog) -> None:
    match, uplift = ask(catalog, emotion="happy"), ask(catalog, emotion="happy", policy="uplift")
    assert [t.id for t in match.tracks] == [t.id for t in uplift.tracks]


def test_a_probability_vector_aims_at_the_blend(catalog: Catalog) -> None:
    result = ask(catalog, probabilities={"happy": 0.6, "sad": 0.4})
    assert result.emotion == "happy"
    assert result.explanation.target.valence == pytest.approx(0.6 * 0.85 + 0.4 * 0.20)
    assert result.explanation.target.energy == pytest.approx(0.6 * 0.70 + 0.4 * 0.25)


def test_ties_in_popularity_are_broken_by_track_id(catalog: Catalog) -> None:
    result = ask(catalog, emotion="sad", limit=100, page=1, settings=Settings(max_per_artist=100))
    keys = [(-t.popularity, t.id) for t in result.tracks]
    assert keys == sorted(keys)


def test_at_most_two_tracks_per_artist_on_a_page_and_the_rest_deferred(catalog: Catalog) -> None:
    first = ask(catalog, emotion="happy", limit=10)
    artists = [t.artists[0] for t in first.tracks]
    assert artists.count("happy-star") == 2  # five star tracks are the most popular; three wait
    assert len(first.tracks) == 10
    second = ask(catalog, emotion="happy", limit=10, page=2)
    assert [t.artists[0] for t in second.tracks].count("happy-star") == 2


def test_pages_cover_each_track_exactly_once(catalog: Catalog) -> None:
    seen: list[str] = []
    page = 1
    while True:
        result = ask(catalog, emotion="angry", limit=7, page=page)
        seen += [t.id for t in result.tracks]
        if not result.has_more:
            break
        page += 1
    assert len(seen) == len(set(seen)) == 60
    assert {group(i) for i in seen} == {"angry"}


def test_filters_genre_explicit_and_popularity(catalog: Catalog) -> None:
    result = ask(catalog, emotion="sad", genres=["rock"], exclude_explicit=True, min_popularity=80, limit=100)
    assert result.tracks
    assert all("rock" in t.genres and t.explicit is False and t.popularity >= 80 for t in result.tracks)
    expected = [t for t in synthetic_tracks() if group(str(t["id"])) == "sad"]
    expected = [
        t for t in expected if t["genre"] == "rock" and not t["explicit"] and int(t["popularity"]) >= 80
    ]
    assert len(result.tracks) == len(expected)


def test_a_genre_added_by_a_duplicate_row_is_searchable(catalog: Catalog) -> None:
    result = ask(catalog, emotion="happy", genres=["indie"], limit=100, settings=Settings(max_per_artist=100))
    assert sorted(t.id for t in result.tracks) == [f"happy{i:04d}" for i in range(10)]


def test_unknown_genre_is_rejected_with_suggestions(catalog: Catalog) -> None:
    with pytest.raises(UnknownGenre, match="did you mean rock") as info:
        ask(catalog, emotion="sad", genres=["rokc"])
    assert info.value.details["suggestions"] == ["rock"]


def test_year_filter_needs_a_catalog_with_years(catalog: Catalog) -> None:
    with pytest.raises(UnsupportedFilter):
        ask(catalog, emotion="sad", year_from=1995)


def test_year_range_filters_catalogs_that_have_years(tmp_path: Path) -> None:
    from training.catalog.build import build_catalog

    source = write_1921(tmp_path / "data.csv", synthetic_tracks())
    build_catalog(source, tmp_path / "a", k=4)
    with_years = Catalog.load(tmp_path / "a")
    result = ask(with_years, emotion="sad", year_from=2000, year_to=2005, limit=100)
    assert result.tracks and all(2000 <= (t.year or 0) <= 2005 for t in result.tracks)
    with pytest.raises(InvalidFilter, match="after year_to"):
        ask(with_years, emotion="sad", year_from=2010, year_to=2000)


@pytest.mark.parametrize(
    ("request_fields", "error"),
    [
        ({"emotion": "bored"}, UnknownEmotion),
        ({"probabilities": {"sad": 0.2}}, InvalidProbabilities),
        ({"emotion": "sad", "probabilities": {"sad": 1.0}}, InvalidProbabilities),
        ({}, InvalidProbabilities),
    ],
)
def test_bad_emotion_input_raises_a_domain_error(
    catalog: Catalog, request_fields: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        ask(catalog, **request_fields)


def test_fallback_clusters_fill_what_the_nearest_cannot(catalog: Catalog) -> None:
    wide = Settings(fallback_margin=2.0, max_per_artist=100)
    result = ask(catalog, emotion="sad", limit=100, settings=wide)
    groups = [group(t.id) for t in result.tracks]
    assert groups[:60] == ["sad"] * 60  # the nearest cluster first, all of it
    assert len(set(groups[60:])) == 1 and groups[60] != "sad"


def test_merging_genre_lists_gives_each_row_once_in_rank_order() -> None:
    import numpy as np

    from recommender_service.catalog import _merge_ranked

    rng = np.random.default_rng(0)
    lists = [np.unique(rng.integers(0, 5000, size)).astype(np.int32) for size in (3000, 40, 900)]
    merged = np.concatenate(list(_merge_ranked(lists)))
    assert merged.tolist() == np.unique(np.concatenate(lists)).tolist()
    assert list(_merge_ranked([np.empty(0, np.int32)])) == []


def test_one_recording_under_several_track_ids_is_listed_once(tmp_path: Path) -> None:
    from training.catalog.build import build_catalog

    tracks = synthetic_tracks()
    hit = next(t for t in tracks if t["id"] == "sad0000")  # the most popular sad track
    # The same song again (a compilation's copy): another id, less popular, other case and spacing.
    tracks.append({**hit, "id": "sadcopy", "name": "  SAD   song 0 ", "popularity": hit["popularity"] - 1})
    source = write_1921(tmp_path / "data.csv", tracks)
    build_catalog(source, tmp_path / "a", k=4)
    result = ask(Catalog.load(tmp_path / "a"), emotion="sad", limit=100)
    ids = [t.id for t in result.tracks]
    assert "sad0000" in ids and "sadcopy" not in ids
    # Another artist's song of the same name is another recording.
    assert len({(t.name.casefold(), t.artists[0]) for t in result.tracks}) == len(ids)

"""The figures the recommendations benchmark reports, on a small catalog where they are known."""

import pytest

from moodtune_contracts.mood import Policy, Ranking
from recommender_service.catalog import Catalog
from recommender_service.settings import Settings
from support.catalogs import non_music_tracks, synthetic_tracks, write_114k
from support.recommendations import shared_share, side_by_side, summary
from training.catalog.build import build_catalog

# Sad faces, some angrier, some calmer: each aims somewhere else above the sad corner.
SAD_FACES = [{"sad": 0.7, "angry": 0.3 * i / 19, "neutral": 0.3 * (1 - i / 19)} for i in range(20)]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("figures")
    build_catalog(write_114k(root / "dataset.csv", synthetic_tracks() + non_music_tracks()), root / "a", k=4)
    return Catalog.load(root / "a")


def test_the_study_gives_every_sad_face_one_list_with_its_non_music_and_the_mood_does_not(
    catalog: Catalog,
) -> None:
    settings = Settings(pool_size=12, pool_size_sure=6, pool_growth=1)
    lists = side_by_side(catalog=catalog, settings=settings, vectors=SAD_FACES, policy=Policy.MATCH, limit=5)
    study, mood = summary(*lists[Ranking.STUDY]), summary(*lists[Ranking.MOOD])
    assert study["faces"] == mood["faces"] == 20 and study["query"]["n"] == 20
    assert (study["distinct_lists"], study["most_common_list_share"], study["distinct_tracks"]) == (1, 1.0, 5)
    # The three quiet tracks are the most popular in the sad corner: the study lists them all.
    assert study["non_music_share"] == 0.6 and study["lists_with_noise_or_sleep"] == 20
    assert mood["non_music_share"] == 0.0 and mood["lists_with_noise_or_sleep"] == 0
    assert mood["distinct_lists"] > 1 and mood["distinct_tracks"] > 5
    assert mood["mean_abs_valence_gap"] < study["mean_abs_valence_gap"]
    assert 0 < mood["mean_popularity"] < study["mean_popularity"] == 99.8  # 100 four times, then 99


def test_a_seeded_list_shares_only_part_of_the_unseeded_one(catalog: Catalog) -> None:
    settings = Settings(pool_size=12, pool_size_sure=6, pool_growth=1)
    unseeded = side_by_side(
        catalog=catalog, settings=settings, vectors=SAD_FACES, policy=Policy.MATCH, rankings=(Ranking.MOOD,)
    )[Ranking.MOOD][0]
    seeded = side_by_side(
        catalog=catalog,
        settings=settings,
        vectors=SAD_FACES,
        policy=Policy.MATCH,
        rankings=(Ranking.MOOD,),
        seed=4,
    )[Ranking.MOOD][0]
    assert shared_share(unseeded, unseeded) == 1.0
    assert 0.0 < shared_share(unseeded, seeded) < 1.0

"""The mood ranking's parts: tracks nearest a point from the grid, and the pool that turns them into a
ranking (most popular of the nearest)."""

import numpy as np
import pytest

from recommender_service.pools import NearnessIndex, PoolTrace, popular_first


def random_index(n: int = 5000, seed: int = 0) -> tuple[NearnessIndex, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, 3, n).astype(np.int8)
    # Some tracks on the cell edges and the plane's border, and some sharing one point (equal distances).
    valence = np.concatenate([rng.random(n - 300), np.full(100, 0.5), np.full(100, 1.0), np.full(100, 0.25)])
    energy = np.concatenate([rng.random(n - 300), np.full(100, 0.5), rng.random(100), np.full(100, 0.0)])
    valence, energy = valence.astype(np.float32), energy.astype(np.float32)
    return NearnessIndex(cluster=cluster, valence=valence, energy=energy), cluster, valence, energy


@pytest.mark.parametrize("point", [(0.5, 0.5), (0.0, 0.0), (1.0, 0.3), (0.2531, 0.9111), (0.25, 0.0)])
def test_the_grid_gives_a_clusters_tracks_nearest_first_ties_by_row(point: tuple[float, float]) -> None:
    index, cluster, valence, energy = random_index()
    keep_even = lambda rows: rows[rows % 2 == 0]  # noqa: E731 - a filter that drops half the rows
    blocks = list(index.nearest(cluster=1, valence=point[0], energy=point[1], keep=keep_even))
    rows = np.concatenate([b for b, _ in blocks])
    members = np.flatnonzero((cluster == 1) & (np.arange(len(cluster)) % 2 == 0))
    d2 = (valence[members].astype(np.float64) - point[0]) ** 2 + (
        energy[members].astype(np.float64) - point[1]
    ) ** 2
    assert rows.tolist() == members[np.lexsort((members, d2))].tolist()
    assert len(blocks) > 1  # handed out lazily, not all at once


def test_rows_already_chosen_come_in_the_same_order() -> None:
    index, _, valence, energy = random_index()
    chosen = np.arange(0, 5000, 7, dtype=np.int32)
    rows = np.concatenate([b for b, _ in index.nearest_among(chosen, valence=0.3, energy=0.6)])
    d2 = (valence[chosen].astype(np.float64) - 0.3) ** 2 + (energy[chosen].astype(np.float64) - 0.6) ** 2
    assert rows.tolist() == chosen[np.lexsort((chosen, d2))].tolist()


def test_a_cluster_the_catalog_lacks_has_no_tracks() -> None:
    index, *_ = random_index()
    assert list(index.nearest(cluster=7, valence=0.5, energy=0.5, keep=lambda rows: rows)) == []


def in_distance_order(rows: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rows already nearest first, as the index hands them out (distance = position)."""
    return [(np.array(rows, dtype=np.int32), np.arange(len(rows), dtype=np.float64) ** 2)]


def test_each_song_is_the_most_popular_of_the_pool_which_widens_with_each_song() -> None:
    # Nearest first; a lower row is a more popular track.
    nearest = [50, 40, 30, 20, 10, 60, 5, 70, 80]
    trace = PoolTrace()
    ranked = list(popular_first(iter(in_distance_order(nearest)), size=3, growth=1, trace=trace))
    # Pool {50, 40, 30} -> 30; + 20 -> 20; + 10 -> 10; + 60 -> 40; + 5 -> 5; + 70 -> 50; + 80 -> 60, 70, 80.
    assert ranked == [30, 20, 10, 40, 5, 50, 60, 70, 80]
    assert trace.radius == 2.0  # the third nearest, at distance 2


def test_without_growth_a_pool_is_spent_before_the_next_nearest_come() -> None:
    nearest = [50, 40, 30, 20, 10, 60]
    ranked = list(popular_first(iter(in_distance_order(nearest)), size=3, growth=0, trace=PoolTrace()))
    assert ranked == [30, 40, 50, 10, 20, 60]


def test_no_tracks_no_pool() -> None:
    trace = PoolTrace()
    assert list(popular_first(iter([]), size=3, growth=1, trace=trace)) == []
    assert trace.radius is None

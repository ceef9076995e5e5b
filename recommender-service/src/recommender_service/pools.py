"""The mood ranking's pool: the tracks nearest a point in valence x energy, most popular first.

`NearnessIndex` buckets each cluster's tracks on a grid over the plane at load, so that the
tracks nearest a target are found by visiting the cells around it, not by measuring a whole
cluster. `popular_first` turns tracks in order of distance into the ranking: each song is the most
popular of the `size + n * growth` nearest tracks not yet given (n: songs given before it), so the
mood decides which songs come, popularity their order, and paging widens the pool slowly.
"""

import heapq
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np

# Cells per axis; a power of two, so a value's cell (floor(v * GRID)) and the cell bounds are exact
# in floating point, and a cell's distance bound never exceeds the distance of a track inside it.
GRID = 32
# Tracks in the first block handed out in order of distance; each later block is four times larger.
FIRST_BLOCK = 128

Keep = Callable[[np.ndarray], np.ndarray]  # rows -> the rows that pass the request's filters


@dataclass
class PoolTrace:
    """What the explanation reports: the first pool's radius (None until a pool was filled)."""

    radius: float | None = None


class NearnessIndex:
    """Each cluster's rows, grouped by grid cell (rows ascending inside a cell)."""

    def __init__(self, *, cluster: np.ndarray, valence: np.ndarray, energy: np.ndarray) -> None:
        self.valence = valence.astype(np.float64)
        self.energy = energy.astype(np.float64)
        cells = GRID * GRID
        cell = _cell(self.valence) * GRID + _cell(self.energy)
        key = cluster.astype(np.int64) * cells + cell
        order = np.argsort(key, kind="stable")  # stable: rows stay ascending inside each cell
        self._rows = order.astype(np.int32)
        sorted_key = key[order]
        self._starts: dict[int, np.ndarray] = {}
        self._empty: dict[int, np.ndarray] = {}
        for c in np.unique(cluster).tolist():
            if c >= 0:
                starts = np.searchsorted(sorted_key, c * cells + np.arange(cells + 1))
                self._starts[c], self._empty[c] = starts, np.diff(starts) == 0
        self._low = np.arange(GRID, dtype=np.float64) / GRID  # each cell's lower edge, per axis

    def distances2(self, rows: np.ndarray, *, valence: float, energy: float) -> np.ndarray:
        return (self.valence[rows] - valence) ** 2 + (self.energy[rows] - energy) ** 2

    def nearest(
        self, *, cluster: int, valence: float, energy: float, keep: Keep
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The cluster's rows that `keep` passes, nearest the point first (ties by row), as blocks of
        (rows, squared distances)."""
        if cluster not in self._starts:
            return iter(())
        starts = self._starts[cluster]
        # No track in a cell is nearer the point than its cell's bound (squared); cells are read
        # ring by ring, as far as the bound says a nearer track could be.
        bound = np.add.outer(_gap(self._low, valence) ** 2, _gap(self._low, energy) ** 2).ravel()
        bound[self._empty[cluster]] = np.inf

        def gather(beyond: float, within: float) -> tuple[np.ndarray, np.ndarray]:
            cells = np.flatnonzero((bound > beyond) & (bound <= within)).tolist()
            if not cells:
                return _NO_ROWS, _NO_DISTANCES
            rows = keep(np.concatenate([self._rows[starts[c] : starts[c + 1]] for c in cells]))
            return rows, self.distances2(rows, valence=valence, energy=energy)

        return _in_order(gather, farthest=float(bound[np.isfinite(bound)].max(initial=-1.0)))

    def nearest_among(
        self, rows: np.ndarray, *, valence: float, energy: float
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The same order over rows already chosen (a few genres' tracks): measured all at once."""
        return _in_order(_read_nothing, rows, self.distances2(rows, valence=valence, energy=energy))


def popular_first(
    nearest: Iterator[tuple[np.ndarray, np.ndarray]], *, size: int, growth: int, trace: PoolTrace
) -> Iterator[int]:
    """Rows in order of distance in, the ranking out: each row out is the most popular (the lowest
    row: rows are ranked) of the `size + n * growth` nearest not yet given, n the rows given before.
    A pool that runs dry (no growth) takes the next `size` nearest."""

    def incoming_rows() -> Iterator[tuple[int, float]]:
        for rows, d2 in nearest:
            yield from zip(rows.tolist(), d2.tolist(), strict=True)

    incoming = incoming_rows()
    first = list(islice(incoming, size))
    if not first:
        return
    if trace.radius is None:
        trace.radius = round(math.sqrt(first[-1][1]), 4)
    pool = [row for row, _ in first]
    heapq.heapify(pool)
    while pool:
        yield heapq.heappop(pool)
        for row, _ in islice(incoming, growth if pool else max(growth, size)):
            heapq.heappush(pool, row)


_NO_ROWS = np.empty(0, dtype=np.int32)
_NO_DISTANCES = np.empty(0, dtype=np.float64)
Gather = Callable[[float, float], tuple[np.ndarray, np.ndarray]]  # cells with bound in (beyond, within]


def _read_nothing(beyond: float, within: float) -> tuple[np.ndarray, np.ndarray]:
    return _NO_ROWS, _NO_DISTANCES


def _in_order(
    gather: Gather, rows: np.ndarray = _NO_ROWS, d2: np.ndarray = _NO_DISTANCES, *, farthest: float = -1.0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Blocks of (rows, d2) in ascending (d2, row) order, growing fourfold, from the rows in hand and
    the cells `gather` reads (no cell's bound exceeds `farthest`). Cells are read only as far as a
    block needs: the radius doubles until `want` candidates are in hand, then reaches every cell
    that could hold one nearer than the want-th."""
    covered = -1.0  # every cell with a bound up to this (squared distance) has been read

    def read_to(within: float) -> None:
        nonlocal rows, d2, covered
        if within > covered:
            more_rows, more_d2 = gather(covered, within)
            rows, d2, covered = np.concatenate([rows, more_rows]), np.concatenate([d2, more_d2]), within

    want = FIRST_BLOCK
    while len(rows) or covered < farthest:
        reach = max(covered * 4, 1 / GRID**2)
        while len(rows) < want and covered < farthest:  # filters may drop many: read further each time
            read_to(reach)
            reach *= 4
        if len(rows) >= want:
            radius2 = float(np.partition(d2, want - 1)[want - 1])
            read_to(radius2)
            inside = d2 <= radius2
        else:  # everything is in hand
            inside = np.ones(len(rows), dtype=bool)
        block, block_d2 = rows[inside], d2[inside]
        order = np.lexsort((block, block_d2))
        yield block[order], block_d2[order]
        rows, d2 = rows[~inside], d2[~inside]
        want *= 4


def _gap(low: np.ndarray, value: float) -> np.ndarray:
    """Distance along one axis from `value` to each cell [low, low + 1/GRID]: no track in a cell is
    nearer. (Both bounds are exact, so rounding keeps it at most a track's own distance.)"""
    return np.maximum(np.maximum(low - value, value - (low + 1 / GRID)), 0.0)


def _cell(values: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(values * GRID), 0, GRID - 1).astype(np.int64)

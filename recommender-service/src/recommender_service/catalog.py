"""The track catalog in memory, indexed at load so that a query never scans the whole catalog.

Rows are put in ranking order once (catalog_schema.RANKING: popularity descending, id ascending),
so a row's index is its rank. Each cluster, and each (cluster, genre) pair, keeps the sorted row
indices of its tracks; a minimum popularity is a binary search. The study's ranking applies the
remaining filters to the head of one such list only, chunk by chunk, until a page is full; the
mood ranking reads a cluster's tracks nearest the target from a grid over valence x energy
(pools.py).
"""

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import ValidationError

from moodtune_contracts.catalog_schema import (
    AUDIO_FEATURES,
    MANIFEST_FILE,
    RANKING,
    SCHEMA_VERSION,
    TRACK_COLUMNS,
    TRACKS_FILE,
    CatalogManifest,
)
from recommender_service.errors import CatalogError, InvalidFilter, UnknownGenre, UnsupportedFilter
from recommender_service.pools import NearnessIndex, PoolTrace, popular_first

UNKNOWN_YEAR = -1
_FIRST_CHUNK = 256
_MAX_CHUNK = 65_536


@dataclass(frozen=True)
class TrackFilter:
    genres: tuple[str, ...] = ()
    exclude_explicit: bool = False
    min_popularity: int = 0
    year_from: int | None = None
    year_to: int | None = None
    include_non_music: bool = False
    seed: int | None = None  # keep the half of the catalog this seed picks


@dataclass(frozen=True)
class MoodPool:
    """The mood ranking's pool: around this point, `size` tracks for the first song, `growth` more
    for each further one (pools.popular_first)."""

    valence: float
    energy: float
    size: int
    growth: int


@dataclass(frozen=True)
class Page:
    rows: list[int]
    has_more: bool
    radius: float | None = None  # the mood ranking's first pool, in valence x energy


class Catalog:
    def __init__(self, table: pa.Table, manifest: CatalogManifest) -> None:
        missing = [c for c in TRACK_COLUMNS if c not in table.column_names]
        if missing:
            raise CatalogError(f"catalog tracks lack column(s) {missing}")
        self.manifest = manifest
        order = pc.sort_indices(table, sort_keys=list(RANKING))
        self.table = table.take(order).combine_chunks()
        n = self.table.num_rows
        self.size = n

        self.popularity = self._ints("popularity", np.int16, fill=0)
        # Rows are ranked by popularity, so "popularity >= p" is the prefix of rows before
        # _rank_cutoff[p]; precomputed for every p (0..100) at load.
        descending = -self.popularity.astype(np.int32)
        self._rank_cutoff = np.searchsorted(descending, -np.arange(101, dtype=np.int32), side="right").astype(
            np.int32
        )
        self.year = self._ints("year", np.int16, fill=UNKNOWN_YEAR)
        explicit = self.table["explicit"]
        self.explicit = np.where(
            pc.is_null(explicit).to_numpy(zero_copy_only=False),
            -1,
            pc.fill_null(explicit, False).to_numpy(zero_copy_only=False).astype(np.int8),
        ).astype(np.int8)
        self.cluster = self._ints("cluster", np.int8, fill=-1)
        self.music = pc.is_null(self.table["non_music"]).to_numpy(zero_copy_only=False)
        self.nearness = NearnessIndex(
            cluster=self.cluster,
            valence=self.table["valence"].to_numpy(zero_copy_only=False),
            energy=self.table["energy"].to_numpy(zero_copy_only=False),
        )
        # Artist diversity counts a track against its first-listed (primary) artist.
        primary = pc.list_element(self.table["artists"], 0).dictionary_encode().combine_chunks()
        self.artist_key = primary.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        self.recording_key = recording_keys(self.table)

        self.clusters = sorted(int(c) for c in np.unique(self.cluster) if c >= 0)
        self.rows_by_cluster = {c: np.flatnonzero(self.cluster == c).astype(np.int32) for c in self.clusters}

        genres = self.table["genres"].combine_chunks()
        flat = pc.list_flatten(genres).dictionary_encode()
        parents = pc.list_parent_indices(genres).to_numpy().astype(np.int64)
        names = [str(g) for g in flat.dictionary.to_pylist()]
        codes = flat.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        self.genres = sorted(names)
        self._genre_code = {name: i for i, name in enumerate(names)}
        # Stable sort by (cluster, genre) keeps rows ascending (ranked) inside each group.
        keys = self.cluster[parents].astype(np.int64) * len(names) + codes
        by_key = np.argsort(keys, kind="stable")
        sorted_keys, sorted_rows = keys[by_key], parents[by_key].astype(np.int32)
        bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
        self.rows_by_cluster_genre: dict[tuple[int, int], np.ndarray] = {}
        for chunk_keys, chunk_rows in zip(
            np.split(sorted_keys, bounds), np.split(sorted_rows, bounds), strict=True
        ):
            if len(chunk_keys):
                key = int(chunk_keys[0])
                self.rows_by_cluster_genre[(key // len(names), key % len(names))] = chunk_rows
        self.has_years = bool((self.year != UNKNOWN_YEAR).any()) if n else False

    def _ints(self, column: str, dtype: type, *, fill: int) -> np.ndarray:
        values = pc.fill_null(self.table[column], fill).to_numpy(zero_copy_only=False)
        return np.asarray(values).astype(dtype)

    @classmethod
    def load(cls, path: Path) -> "Catalog":
        manifest_path, tracks_path = path / MANIFEST_FILE, path / TRACKS_FILE
        if not manifest_path.is_file() or not tracks_path.is_file():
            raise CatalogError(f"{path}: not a catalog artifact (needs {MANIFEST_FILE} and {TRACKS_FILE})")
        try:
            manifest = CatalogManifest.model_validate_json(manifest_path.read_text())
        except ValidationError as exc:
            raise CatalogError(f"{manifest_path}: invalid manifest ({exc.error_count()} errors)") from exc
        if manifest.schema_version != SCHEMA_VERSION:
            raise CatalogError(
                f"{path}: catalog schema {manifest.schema_version}, this service reads {SCHEMA_VERSION}"
            )
        return cls(pq.read_table(tracks_path), manifest)

    def check_filter(self, track_filter: TrackFilter) -> None:
        for genre in track_filter.genres:
            if genre not in self._genre_code:
                close = difflib.get_close_matches(genre, self.genres, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise UnknownGenre(f"unknown genre {genre!r}{hint}", details={"suggestions": close})
        years = (track_filter.year_from, track_filter.year_to)
        if any(y is not None for y in years) and not self.has_years:
            raise UnsupportedFilter("this catalog has no release years, so it cannot filter by year")
        if None not in years and years[0] > years[1]:  # type: ignore[operator]
            raise InvalidFilter(f"year_from {years[0]} is after year_to {years[1]}")

    def _candidate_lists(self, cluster: int, track_filter: TrackFilter) -> list[np.ndarray]:
        """The cluster's rows (of the wanted genres) above the popularity minimum: ranked lists."""
        if track_filter.genres:
            lists = [
                self.rows_by_cluster_genre.get((cluster, self._genre_code[g]), _NO_ROWS)
                for g in track_filter.genres
            ]
        else:
            lists = [self.rows_by_cluster.get(cluster, _NO_ROWS)]
        cutoff = self._rank_cutoff[track_filter.min_popularity]  # np.int32, like the row lists
        return [rows[: np.searchsorted(rows, cutoff)] for rows in lists]

    def _passes(self, rows: np.ndarray, track_filter: TrackFilter) -> np.ndarray:
        """Which of `rows` pass the filters that are not genre or popularity."""
        keep = np.ones(len(rows), dtype=bool)
        if track_filter.exclude_explicit:
            keep &= self.explicit[rows] == 0  # unknown counts as possibly explicit
        if track_filter.year_from is not None:
            keep &= self.year[rows] >= track_filter.year_from
        if track_filter.year_to is not None:
            year = self.year[rows]
            keep &= (year <= track_filter.year_to) & (year != UNKNOWN_YEAR)
        if not track_filter.include_non_music:
            keep &= self.music[rows]
        if track_filter.seed is not None:
            keep &= seeded_half(rows, track_filter.seed)
        return keep

    def _study_rows(self, cluster: int, track_filter: TrackFilter) -> Iterator[int]:
        """The study's ranking: the cluster's rows passing the filter, most popular first."""
        for chunk in _merge_ranked(self._candidate_lists(cluster, track_filter)):
            yield from chunk[self._passes(chunk, track_filter)].tolist()

    def _mood_rows(
        self, cluster: int, track_filter: TrackFilter, pool: MoodPool, trace: PoolTrace
    ) -> Iterator[int]:
        """The mood ranking: the cluster's rows passing the filter, the pool's most popular first."""
        aim = {"valence": pool.valence, "energy": pool.energy}
        if track_filter.genres:  # a few genres' tracks: measure them all
            rows = np.unique(np.concatenate(self._candidate_lists(cluster, track_filter)))
            nearest = self.nearness.nearest_among(rows[self._passes(rows, track_filter)], **aim)
        else:
            cutoff = self._rank_cutoff[track_filter.min_popularity]

            def keep(rows: np.ndarray) -> np.ndarray:
                rows = rows[rows < cutoff]
                return rows[self._passes(rows, track_filter)]

            nearest = self.nearness.nearest(cluster=cluster, keep=keep, **aim)
        yield from popular_first(nearest, size=pool.size, growth=pool.growth, trace=trace)

    def _stream(
        self, clusters: list[int], track_filter: TrackFilter, pool: MoodPool | None, trace: PoolTrace
    ) -> Iterator[int]:
        """Rows passing the filter: cluster by cluster in the given order, ranked inside each, each
        recording once (the first of its track ids the ranking reaches: its most popular one that
        passes the filter, where they share their audio features)."""
        seen: set[int] = set()
        for cluster in clusters:
            ranked = (
                self._study_rows(cluster, track_filter)
                if pool is None
                else self._mood_rows(cluster, track_filter, pool, trace)
            )
            for row in ranked:
                key = int(self.recording_key[row])
                if key not in seen:
                    seen.add(key)
                    yield row

    def page(
        self,
        *,
        clusters: list[int],
        track_filter: TrackFilter,
        page: int,
        limit: int,
        max_per_artist: int,
        max_depth: int,
        pool: MoodPool | None = None,
    ) -> Page:
        """Page `page` (1-based) of the filtered stream with at most `max_per_artist` per artist:
        the mood ranking with a `pool`, the study's without.

        A track skipped because its artist is full on one page is deferred to the next page, so every
        track appears on exactly one page and pages are stable. A page can run short only when one
        artist dominates what is left, or past `max_depth` scanned positions. A page lists its tracks
        cluster by cluster in the given order, most popular first inside each.
        """
        trace = PoolTrace()
        stream = enumerate(self._stream(clusters, track_filter, pool, trace))
        cluster_order = {cluster: i for i, cluster in enumerate(clusters)}
        deferred: list[tuple[int, int]] = []
        exhausted = False
        for current in range(1, page + 1):
            fill = _PageFill(limit=limit, max_per_artist=max_per_artist, artist_key=self.artist_key)
            deferred = [item for item in deferred if not fill.offer(item)]
            while not fill.full:
                item = next(stream, None)
                if item is None or item[0] >= max_depth:
                    exhausted = True
                    break
                if not fill.offer(item):
                    deferred.append(item)
            if current == page:
                has_more = bool(deferred) or (not exhausted and next(stream, None) is not None)
                rows = sorted(fill.rows(), key=lambda row: (cluster_order[int(self.cluster[row])], row))
                return Page(rows=rows, has_more=has_more, radius=trace.radius)
        raise AssertionError("unreachable")

    def tracks(self, rows: list[int]) -> list[dict[str, Any]]:
        if not rows:
            return []
        picked = self.table.take(pa.array(rows, type=pa.int32())).to_pylist()
        for track in picked:
            track["features"] = {f: round(float(track.pop(f)), 6) for f in AUDIO_FEATURES}
        return picked


_NO_ROWS = np.empty(0, dtype=np.int32)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def seeded_half(rows: np.ndarray, seed: int) -> np.ndarray:
    """Which of `rows` the seed keeps: about half, the same half for the same seed (and catalog), a
    different half for another seed (a splitmix64 hash of row and seed, its top bit)."""
    h = rows.astype(np.uint64) * _GOLDEN + _mix(np.uint64(seed))
    return (_mix(h) >> np.uint64(63)) == 0


def _mix(h: np.ndarray | np.uint64) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit (uint64 arithmetic wraps)."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return np.asarray(h ^ (h >> np.uint64(31)))


def recording_keys(table: pa.Table) -> np.ndarray:
    """One integer per recording: tracks with the same name (case and spacing ignored) and primary
    artist are one song released under several track ids (single, album, compilation); the 114k
    catalog has 8,764 such extra rows."""
    name = pc.utf8_lower(pc.utf8_trim_whitespace(pc.fill_null(table["name"], "")))
    name = pc.replace_substring_regex(name, pattern=r"\s+", replacement=" ")
    artist = pc.utf8_lower(pc.fill_null(pc.list_element(table["artists"], 0), ""))
    key = pc.binary_join_element_wise(name, artist, "\x1f").dictionary_encode().combine_chunks()
    return key.indices.to_numpy(zero_copy_only=False).astype(np.int32)


def _merge_ranked(lists: list[np.ndarray]) -> Iterator[np.ndarray]:
    """Merge ascending row lists (a track may be in several) into ascending unique chunks, lazily.

    Only the heads are touched: each round takes a growing slice of every list and emits the merged
    rows up to the smallest slice end that still has rows behind it, so a query that fills its page
    early never merges the lists' tails.
    """
    lists = [rows for rows in lists if len(rows)]
    positions = [0] * len(lists)
    size = _FIRST_CHUNK
    while lists:
        heads = [rows[p : p + size] for rows, p in zip(lists, positions, strict=True)]
        unfinished = [
            h[-1] for h, rows, p in zip(heads, lists, positions, strict=True) if p + len(h) < len(rows)
        ]
        bound = min(unfinished) if unfinished else None
        merged = heads[0] if len(heads) == 1 else np.unique(np.concatenate(heads))
        if bound is not None:
            merged = merged[: np.searchsorted(merged, bound, side="right")]
            positions = [
                p + int(np.searchsorted(h, bound, side="right"))
                for h, p in zip(heads, positions, strict=True)
            ]
        else:
            positions = [p + len(h) for h, p in zip(heads, positions, strict=True)]
        if len(merged):
            yield merged
        remaining = [(rows, p) for rows, p in zip(lists, positions, strict=True) if p < len(rows)]
        lists, positions = [r for r, _ in remaining], [p for _, p in remaining]
        size = min(size * 4, _MAX_CHUNK)


class _PageFill:
    """One page being filled under the artist-diversity rule."""

    def __init__(self, *, limit: int, max_per_artist: int, artist_key: np.ndarray) -> None:
        self.limit, self.max_per_artist, self.artist_key = limit, max_per_artist, artist_key
        self.per_artist: dict[int, int] = {}
        self.taken: list[tuple[int, int]] = []

    @property
    def full(self) -> bool:
        return len(self.taken) >= self.limit

    def offer(self, item: tuple[int, int]) -> bool:
        """Take (position, row) if the page has room and its artist is not full yet."""
        artist = int(self.artist_key[item[1]])
        if self.full or self.per_artist.get(artist, 0) >= self.max_per_artist:
            return False
        self.per_artist[artist] = self.per_artist.get(artist, 0) + 1
        self.taken.append(item)
        return True

    def rows(self) -> list[int]:
        return [row for _, row in self.taken]

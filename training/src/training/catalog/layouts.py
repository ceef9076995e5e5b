"""Read the three public Spotify catalog layouts into one normalized, validated track table.

Layouts (see shared/data/spotify/SOURCE.md): the 114k "Spotify Tracks Dataset" `dataset.csv`, the
study's 1921-2020 `data.csv`, and "Spotify Tracks DB" `SpotifyFeatures.csv`; plain or gzipped.
Bad rows are counted and reported with file, row and column, never dropped silently.
"""

import ast
import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from moodtune_contracts.catalog_schema import AUDIO_FEATURES, FEATURE_RANGES
from training.files import file_sha256


class CatalogInputError(ValueError):
    """The input cannot be used at all (missing file or column, empty, too many bad rows)."""


@dataclass(frozen=True)
class Layout:
    name: str
    # Columns that must be present; their presence also identifies the layout.
    required: tuple[str, ...]
    id_col: str
    name_col: str
    artists_col: str
    parse_artists: Callable[[str], list[str]]
    album_col: str | None = None
    genre_col: str | None = None
    year_col: str | None = None
    explicit_col: str | None = None


def _split_semicolons(value: str) -> list[str]:
    return [a.strip() for a in value.split(";") if a.strip()]


def _python_list_literal(value: str) -> list[str]:
    # data.csv stores artists as "['A', 'B']"; literal_eval never executes code.
    parsed = ast.literal_eval(value)
    if not isinstance(parsed, list) or not all(isinstance(a, str) for a in parsed):
        raise ValueError("not a list of names")
    return [a.strip() for a in parsed if a.strip()]


def _single_name(value: str) -> list[str]:
    return [value.strip()] if value.strip() else []


_NUMERIC = (*AUDIO_FEATURES, "popularity", "duration_ms")

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name="spotify-tracks-dataset",
        required=("track_id", "artists", "album_name", "track_name", "track_genre", "explicit", *_NUMERIC),
        id_col="track_id",
        name_col="track_name",
        artists_col="artists",
        parse_artists=_split_semicolons,
        album_col="album_name",
        genre_col="track_genre",
        explicit_col="explicit",
    ),
    Layout(
        name="spotify-1921-2020",
        required=("id", "name", "artists", "year", "explicit", "release_date", *_NUMERIC),
        id_col="id",
        name_col="name",
        artists_col="artists",
        parse_artists=_python_list_literal,
        year_col="year",
        explicit_col="explicit",
    ),
    Layout(
        name="spotify-features",
        required=("track_id", "track_name", "artist_name", "genre", *_NUMERIC),
        id_col="track_id",
        name_col="track_name",
        artists_col="artist_name",
        parse_artists=_single_name,
        genre_col="genre",
    ),
)

_TRUE = {"true", "1", "1.0"}
_FALSE = {"false", "0", "0.0"}
MAX_BAD_ROW_EXAMPLES = 20


@dataclass
class LoadReport:
    file: str
    sha256: str
    layout: str
    rows_read: int
    rows_bad: int = 0
    rows_merged: int = 0
    tracks: int = 0
    bad_row_examples: list[str] = field(default_factory=list)
    bad_by_column: dict[str, int] = field(default_factory=dict)


def _read_raw(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise CatalogInputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise CatalogInputError(f"{path}: file is empty")
    with path.open("rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"  # by content, so a gzip without .gz still loads
    opener = gzip.open if gzipped else open
    with opener(path, "rt", encoding="utf-8", newline="") as text:
        try:
            # Everything as text: validation below decides what is a number, with row and column.
            return pd.read_csv(text, dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError as exc:
            raise CatalogInputError(f"{path}: file is empty") from exc
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise CatalogInputError(f"{path}: not a readable CSV file ({exc})") from exc


def detect_layout(path: Path, columns: list[str]) -> Layout:
    present = set(columns)
    # The best-matching layout names the missing columns when none matches fully.
    best = max(LAYOUTS, key=lambda layout: len(present & set(layout.required)))
    missing = [c for c in best.required if c not in present]
    if missing:
        raise CatalogInputError(
            f"{path}: missing column(s) {missing} for the {best.name} layout "
            f"(known layouts: {', '.join(layout.name for layout in LAYOUTS)})"
        )
    return best


def _parse_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    lowered = values.str.strip().str.lower()
    parsed = lowered.map(lambda v: True if v in _TRUE else False if v in _FALSE else None)
    return parsed, ~lowered.isin(_TRUE | _FALSE)


def load_catalog(path: Path, *, max_bad_fraction: float = 0.01) -> tuple[pd.DataFrame, LoadReport]:
    """Load one catalog file into the normalized table (one row per track id) and a report."""
    path = Path(path)
    raw = _read_raw(path)
    layout = detect_layout(path, list(raw.columns))
    if raw.empty:
        raise CatalogInputError(f"{path}: header only, no data rows")
    report = LoadReport(file=path.name, sha256=file_sha256(path), layout=layout.name, rows_read=len(raw))

    # Each check marks bad rows; the first failing check of a row names its column.
    problems: list[tuple[str, pd.Series, str]] = []
    out = pd.DataFrame(index=raw.index)
    for column in _NUMERIC:
        values = pd.to_numeric(raw[column].str.strip(), errors="coerce")
        problems.append((column, values.isna(), "is not a number"))
        low, high = FEATURE_RANGES.get(column, (0.0, np.inf))
        problems.append((column, values.notna() & ~values.between(low, high), f"outside [{low}, {high}]"))
        out[column] = values

    out["id"] = raw[layout.id_col].str.strip()
    problems.append((layout.id_col, out["id"] == "", "is empty"))
    out["name"] = raw[layout.name_col].str.strip()
    problems.append((layout.name_col, out["name"] == "", "is empty"))

    def artists_or_none(value: str) -> list[str] | None:
        try:
            return layout.parse_artists(value)
        except (ValueError, SyntaxError):
            return None

    artists = raw[layout.artists_col].map(artists_or_none)
    problems.append((layout.artists_col, artists.map(lambda a: not a), "has no artist names"))
    out["artists"] = artists
    out["album"] = raw[layout.album_col].str.strip() if layout.album_col else None
    out["genre"] = raw[layout.genre_col].str.strip() if layout.genre_col else ""
    if layout.year_col:
        years = pd.to_numeric(raw[layout.year_col].str.strip(), errors="coerce")
        problems.append((layout.year_col, ~years.between(1800, 2100), "is not a year"))
        out["year"] = years
    else:
        out["year"] = np.nan
    if layout.explicit_col:
        explicit, bad_explicit = _parse_bool(raw[layout.explicit_col])
        problems.append((layout.explicit_col, bad_explicit, "is not a boolean"))
        out["explicit"] = explicit
    else:
        out["explicit"] = None

    bad = pd.Series(False, index=raw.index)
    first_problem = pd.Series("", index=raw.index, dtype=object)
    for column, mask, reason in problems:
        new = mask & ~bad
        if new.any():
            report.bad_by_column[column] = report.bad_by_column.get(column, 0) + int(new.sum())
            first_problem[new] = [
                f"{path.name} row {i + 1}: column '{column}' {reason} (value {raw.at[i, column]!r})"
                for i in new[new].index
            ]
        bad |= mask
    report.rows_bad = int(bad.sum())
    report.bad_row_examples = first_problem[bad].head(MAX_BAD_ROW_EXAMPLES).tolist()
    if report.rows_bad > max_bad_fraction * report.rows_read:
        raise CatalogInputError(
            f"{path}: {report.rows_bad} of {report.rows_read} rows are bad (more than "
            f"{max_bad_fraction:.1%}); first: {report.bad_row_examples[:3]}"
        )

    good = out[~bad]
    tracks = _merge_duplicate_ids(good)
    report.rows_merged = len(good) - len(tracks)
    report.tracks = len(tracks)
    return tracks, report


def _merge_duplicate_ids(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per track id; a track listed under several genres keeps all of them, in order seen."""
    genres = rows.groupby("id", sort=False)["genre"].agg(lambda g: [x for x in dict.fromkeys(g) if x])
    tracks = rows.drop_duplicates("id", keep="first").set_index("id")
    tracks["genres"] = genres
    tracks = tracks.drop(columns="genre").reset_index()
    tracks["year"] = tracks["year"].astype("Int16")
    tracks["popularity"] = tracks["popularity"].astype("int16")
    tracks["duration_ms"] = tracks["duration_ms"].astype("int64")
    return tracks

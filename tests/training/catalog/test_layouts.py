import gzip
from pathlib import Path
from typing import cast

import pytest

from support.catalogs import HEADER_114K, Track, synthetic_tracks, write_114k, write_1921, write_features
from training.catalog.layouts import CatalogInputError, load_catalog

TRACKS = synthetic_tracks(n_per_corner=8)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_loads_the_114k_layout_and_merges_ids_listed_under_several_genres(
    tmp_path: Path, suffix: str
) -> None:
    path = write_114k(tmp_path / f"dataset{suffix}", TRACKS, extra_genre_rows=3)
    tracks, report = load_catalog(path)
    assert report.layout == "spotify-tracks-dataset"
    assert (report.rows_read, report.rows_merged, report.tracks) == (len(TRACKS) + 3, 3, len(TRACKS))
    first = tracks.set_index("id").loc[TRACKS[0]["id"]]
    assert first["genres"] == [TRACKS[0]["genre"], "indie"]
    assert first["artists"] == TRACKS[0]["artists"]
    assert first["album"] == TRACKS[0]["album"]
    assert bool(first["explicit"]) is TRACKS[0]["explicit"]
    assert tracks["year"].isna().all()  # this layout has no years


def test_loads_the_studys_1921_2020_layout_with_list_literal_artists_and_years(tmp_path: Path) -> None:
    tracks, report = load_catalog(write_1921(tmp_path / "data.csv", TRACKS))
    assert report.layout == "spotify-1921-2020" and report.tracks == len(TRACKS)
    row = tracks.set_index("id").loc[TRACKS[7]["id"]]
    assert row["artists"] == TRACKS[7]["artists"] == ["happy-artist-7", "Guest"]
    assert int(row["year"]) == TRACKS[7]["year"]
    assert row["genres"] == []


def test_loads_the_spotify_features_layout_with_unknown_explicitness(tmp_path: Path) -> None:
    tracks, report = load_catalog(write_features(tmp_path / "SpotifyFeatures.csv", TRACKS))
    assert report.layout == "spotify-features" and report.tracks == len(TRACKS)
    assert tracks["explicit"].isna().all()
    assert tracks.set_index("id").loc[TRACKS[1]["id"], "genres"] == [TRACKS[1]["genre"]]


def test_detects_gzip_by_content_not_by_name(tmp_path: Path) -> None:
    plain = write_114k(tmp_path / "dataset.csv", TRACKS)
    disguised = tmp_path / "catalog.bin"
    disguised.write_bytes(gzip.compress(plain.read_bytes()))
    assert load_catalog(disguised)[1].tracks == len(TRACKS)


def test_bad_rows_are_counted_and_named_by_file_row_and_column(tmp_path: Path) -> None:
    path = write_114k(tmp_path / "dataset.csv", TRACKS)
    lines = path.read_text().splitlines()
    cells = lines[3].split(",")
    cells[HEADER_114K.index("energy")] = "loud"
    lines[3] = ",".join(cells)
    cells = lines[5].split(",")
    cells[HEADER_114K.index("valence")] = "1.7"
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")

    tracks, report = load_catalog(path, max_bad_fraction=0.5)
    assert report.rows_bad == 2 and report.tracks == len(TRACKS) - 2
    assert report.bad_row_examples[0] == "dataset.csv row 3: column 'energy' is not a number (value 'loud')"
    assert "dataset.csv row 5: column 'valence' outside [0.0, 1.0]" in report.bad_row_examples[1]
    assert report.bad_by_column == {"energy": 1, "valence": 1}


def test_too_many_bad_rows_fail_the_load(tmp_path: Path) -> None:
    broken = [cast(Track, {**t, "popularity": "n/a"}) for t in TRACKS]  # bad on purpose
    with pytest.raises(CatalogInputError, match=r"32 of 32 rows are bad"):
        load_catalog(write_114k(tmp_path / "dataset.csv", broken))


def test_missing_column_names_the_file_and_column(tmp_path: Path) -> None:
    path = write_114k(tmp_path / "dataset.csv", TRACKS)
    text = path.read_text().replace(",tempo,", ",bpm,", 1)
    path.write_text(text)
    with pytest.raises(CatalogInputError, match=r"dataset\.csv: missing column\(s\) \['tempo'\]"):
        load_catalog(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "file is empty"), (",".join(HEADER_114K).encode() + b"\n", "header only")],
)
def test_empty_input_is_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "dataset.csv"
    path.write_bytes(content)
    with pytest.raises(CatalogInputError, match=message):
        load_catalog(path)


def test_unknown_layout_lists_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CatalogInputError, match="known layouts: spotify-tracks-dataset"):
        load_catalog(path)

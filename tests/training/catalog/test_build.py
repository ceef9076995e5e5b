import json
import shlex
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from moodtune_contracts.catalog_schema import MANIFEST_FILE, TRACK_COLUMNS, TRACKS_FILE, CatalogManifest
from support.catalogs import CORNERS, non_music_tracks, synthetic_tracks, write_114k
from support.paths import REPO, SHARED
from training.catalog.__main__ import main as catalog_main
from training.catalog.build import build_catalog
from training.catalog.layouts import CatalogInputError, load_catalog
from training.catalog.listening import non_music

SPOTIFY_114K = SHARED / "data" / "spotify" / "dataset.csv.gz"


def _manifest(artifact: Path) -> CatalogManifest:
    return CatalogManifest.model_validate_json((artifact / MANIFEST_FILE).read_text())


def test_artifact_holds_tracks_manifest_report_plot_and_card_and_no_pickles(synthetic_catalog: Path) -> None:
    names = {p.name for p in synthetic_catalog.iterdir()}
    assert names == {TRACKS_FILE, MANIFEST_FILE, "k_selection.json", "k_selection.png", "CARD.md"}
    table = pq.read_table(synthetic_catalog / TRACKS_FILE)
    assert tuple(table.column_names) == TRACK_COLUMNS
    assert (synthetic_catalog / "k_selection.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    k_rows = json.loads((synthetic_catalog / "k_selection.json").read_text())
    assert [r["k"] for r in k_rows] == list(range(2, 11))
    assert all({"train_inertia", "holdout_inertia", "holdout_silhouette"} <= set(r) for r in k_rows)


def test_manifest_records_source_scaler_clusters_and_mapping(synthetic_catalog: Path) -> None:
    manifest = _manifest(synthetic_catalog)
    assert manifest.source.layout == "spotify-tracks-dataset"
    assert (manifest.source.rows_read, manifest.source.rows_merged, manifest.source.tracks) == (250, 10, 240)
    assert len(manifest.source.sha256) == 64
    assert manifest.scaler.features[0] == "acousticness" and len(manifest.scaler.data_min) == 10
    assert manifest.clustering.k == 4 and len(manifest.clustering.centroids_scaled) == 4
    assert manifest.clustering.holdout_silhouette > 0.3  # four well-separated groups
    assert sum(c.size for c in manifest.clusters) == 240
    assert set(manifest.emotion_mapping) == {"match", "uplift"}
    assert manifest.version.startswith("dataset@")
    card = (synthetic_catalog / "CARD.md").read_text()
    assert "python -m training.catalog build --input" in card and "| held-out |" in card


def test_clusters_recover_the_mood_groups_of_the_input(synthetic_catalog: Path) -> None:
    table = pq.read_table(synthetic_catalog / TRACKS_FILE, columns=["id", "cluster"]).to_pylist()
    clusters_by_group: dict[str, set[int]] = {}
    for row in table:
        group = row["id"].rstrip("0123456789")
        clusters_by_group.setdefault(group, set()).add(row["cluster"])
    assert set(clusters_by_group) == set(CORNERS)
    assert all(len(c) == 1 for c in clusters_by_group.values())
    assert len(set.union(*clusters_by_group.values())) == 4
    manifest = _manifest(synthetic_catalog)
    sad_cluster = next(iter(clusters_by_group["sad"]))
    happy_cluster = next(iter(clusters_by_group["happy"]))
    assert manifest.emotion_mapping["match"]["sad"].clusters[0] == sad_cluster
    assert manifest.emotion_mapping["uplift"]["sad"].clusters[0] != sad_cluster
    assert manifest.emotion_mapping["match"]["happy"].clusters[0] == happy_cluster


def test_building_twice_gives_the_same_clusters(tmp_path: Path) -> None:
    source = write_114k(tmp_path / "dataset.csv", synthetic_tracks(n_per_corner=30, seed=3))
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        build_catalog(source, out)
    first, second = (_manifest(o) for o in outs)
    assert first.clustering.centroids_scaled == second.clustering.centroids_scaled
    assert first.version == second.version
    assert pq.read_table(outs[0] / TRACKS_FILE).equals(pq.read_table(outs[1] / TRACKS_FILE))


def test_cli_builds_the_artifact_and_records_its_own_command(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = write_114k(tmp_path / "dataset.csv", synthetic_tracks(n_per_corner=30, seed=3))
    argv = ["build", "--input", str(source), "--out", str(tmp_path / "out"), "--k", "4", "--name", "small"]
    with caplog.at_level("INFO", logger="training.catalog"):
        assert catalog_main(argv) == 0
    # Progress, stage by stage, instead of ~20 s of silence on the 114k file.
    assert [m[:5] for m in caplog.messages if m.startswith("[")] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    manifest = _manifest(tmp_path / "out")
    assert manifest.builder == f"python -m training.catalog {shlex.join(argv)}"
    assert manifest.name == "small" and manifest.clustering.k == 4


def test_function_raises_the_jobs_error_on_unusable_input_and_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CatalogInputError, match="file is empty"):
        build_catalog(empty, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_reports_unusable_input_and_exits_2(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert catalog_main(["build", "--input", str(empty), "--out", str(tmp_path / "out")]) == 2
    assert "empty.csv: file is empty" in caplog.text
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.full_data
def test_committed_default_catalog_is_what_the_job_builds_from_the_114k_file(tmp_path: Path) -> None:
    committed = _manifest(REPO / "artifacts" / "catalog")
    if not SPOTIFY_114K.exists():
        pytest.skip(f"needs the full 114k Spotify file at {SPOTIFY_114K} (README, Data sets); CI runs it")
    out = tmp_path / "rebuilt"
    build_catalog(SPOTIFY_114K, out, name="spotify-tracks-114k")
    rebuilt = _manifest(out)
    assert rebuilt.version == committed.version
    assert rebuilt.source == committed.source
    assert rebuilt.clustering == committed.clustering
    assert committed.source.tracks == 89_740 and committed.source.rows_bad == 1


def test_tracks_that_are_not_music_are_told_by_genre_and_audio_features_not_by_title(tmp_path: Path) -> None:
    songs = synthetic_tracks(n_per_corner=3)
    # A song called "White Noise" is still a song; the three quiet tracks have plain names.
    songs[0] = {**songs[0], "name": "White Noise (Sleep Sounds)"}
    tracks, _ = load_catalog(write_114k(tmp_path / "dataset.csv", songs + non_music_tracks()))
    reasons = dict(zip(tracks["id"], non_music(tracks), strict=True))
    assert {i: r for i, r in reasons.items() if r} == {
        "noise0000": "noise",
        "sleep0000": "sleep",
        "spoken0000": "spoken",
    }


def test_the_card_says_how_many_tracks_are_not_music_and_why(tmp_path: Path) -> None:
    source = write_114k(tmp_path / "dataset.csv", synthetic_tracks() + non_music_tracks())
    manifest = build_catalog(source, tmp_path / "a", k=4)
    assert manifest.non_music.tracks == 3
    assert manifest.non_music.by_reason == {"noise": 1, "sleep": 1, "spoken": 1}
    table = pq.read_table(tmp_path / "a" / TRACKS_FILE, columns=["id", "non_music"]).to_pylist()
    assert {r["id"]: r["non_music"] for r in table if r["non_music"]} == {
        "noise0000": "noise",
        "sleep0000": "sleep",
        "spoken0000": "spoken",
    }
    card = (tmp_path / "a" / "CARD.md").read_text()
    assert "3 of 243 tracks (1.2%) are marked as not music" in card
    assert "| spoken | 1 | speechiness above 0.66" in card and "| sleep | 1 | in the genre sleep" in card

"""Catalog files in the three public Spotify layouts, written from synthetic tracks in known mood groups."""

import csv
import gzip
import random
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

HEADER_114K = (
    ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,key,"
    "loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,track_genre"
).split(",")
HEADER_1921 = (
    "valence,year,acousticness,artists,danceability,duration_ms,energy,explicit,id,instrumentalness,key,"
    "liveness,loudness,mode,name,popularity,release_date,speechiness,tempo"
).split(",")
HEADER_FEATURES = (
    "genre,artist_name,track_name,track_id,popularity,acousticness,danceability,duration_ms,energy,"
    "instrumentalness,key,liveness,loudness,mode,speechiness,tempo,time_signature,valence"
).split(",")

# Four mood corners; tracks are drawn around them so k-means finds them again.
CORNERS = {
    "happy": {"valence": 0.9, "energy": 0.85, "acousticness": 0.1, "danceability": 0.8},
    "sad": {"valence": 0.1, "energy": 0.15, "acousticness": 0.9, "danceability": 0.3},
    "angry": {"valence": 0.1, "energy": 0.9, "acousticness": 0.05, "danceability": 0.5},
    "calm": {"valence": 0.8, "energy": 0.2, "acousticness": 0.8, "danceability": 0.4},
}


class Track(TypedDict):
    """One synthetic track, with every field any of the three catalog layouts needs."""

    id: str
    name: str
    artists: list[str]
    album: str
    genre: str
    popularity: int
    explicit: bool
    year: int
    duration_ms: int
    instrumentalness: float
    liveness: float
    loudness: float
    speechiness: float
    tempo: float
    valence: float
    energy: float
    acousticness: float
    danceability: float


def synthetic_tracks(n_per_corner: int = 60, seed: int = 0) -> list[Track]:
    """Tracks in four well-separated mood groups, with known popularity, artists, genres and years."""
    rng = random.Random(seed)
    tracks: list[Track] = []
    for corner, centre in CORNERS.items():
        for i in range(n_per_corner):
            jitter = {k: min(1.0, max(0.0, v + rng.uniform(-0.05, 0.05))) for k, v in centre.items()}
            tracks.append(
                Track(
                    id=f"{corner}{i:04d}",
                    name=f"{corner.title()} song {i}",
                    # The first five tracks of each corner share one artist, to exercise diversity.
                    artists=[f"{corner}-star"] if i < 5 else [f"{corner}-artist-{i}", "Guest"],
                    album=f"{corner} album",
                    genre="rock" if i % 3 == 0 else "pop",
                    popularity=100 - i if i < 100 else 0,
                    explicit=i % 4 == 0,
                    year=1990 + i % 30,
                    duration_ms=180000 + i,
                    instrumentalness=0.01,
                    liveness=0.1,
                    loudness=-6.0 - 10 * (1 - jitter["energy"]),
                    speechiness=0.05,
                    tempo=90 + 60 * jitter["energy"],
                    valence=jitter["valence"],
                    energy=jitter["energy"],
                    acousticness=jitter["acousticness"],
                    danceability=jitter["danceability"],
                )
            )
    return tracks


def non_music_tracks() -> list[Track]:
    """Three tracks that are not music to listen to, by their genres and audio features (not their
    names): white noise (no beat), sleep audio and spoken word. Their features sit at the sad corner
    and they are more popular than any song there, so a sad list takes them first unless left out."""
    return [
        _quiet_track(
            "noise0000", "ambient", speechiness=0.0, tempo=0.0, valence=0.0, energy=0.05, danceability=0.0
        ),
        _quiet_track(
            "sleep0000", "sleep", speechiness=0.04, tempo=70.0, valence=0.1, energy=0.1, danceability=0.2
        ),
        _quiet_track(
            "spoken0000", "comedy", speechiness=0.92, tempo=90.0, valence=0.12, energy=0.2, danceability=0.3
        ),
    ]


def _quiet_track(
    track_id: str,
    genre: str,
    *,
    speechiness: float,
    tempo: float,
    valence: float,
    energy: float,
    danceability: float,
) -> Track:
    return Track(
        id=track_id,
        name=f"Track {track_id}",
        artists=[f"{track_id} artist"],
        album="not music",
        genre=genre,
        popularity=100,
        explicit=False,
        year=2020,
        duration_ms=600000,
        instrumentalness=0.0 if speechiness > 0.5 else 0.9,
        liveness=0.1,
        loudness=-25.0,
        speechiness=speechiness,
        tempo=tempo,
        valence=valence,
        energy=energy,
        acousticness=0.9,
        danceability=danceability,
    )


def write_114k(path: Path, tracks: Sequence[Track], *, extra_genre_rows: int = 0) -> Path:
    """The 114k 'Spotify Tracks Dataset' layout; the first `extra_genre_rows` tracks repeat under 'indie'."""
    rows = []
    for t in tracks:
        rows.append(_row_114k(t, t["genre"]))
    for t in tracks[:extra_genre_rows]:
        rows.append(_row_114k(t, "indie"))
    return _write(path, HEADER_114K, [[i, *r] for i, r in enumerate(rows)])


def _row_114k(t: Track, genre: str) -> list[object]:
    return [
        t["id"],
        ";".join(t["artists"]),
        t["album"],
        t["name"],
        t["popularity"],
        t["duration_ms"],
        str(t["explicit"]),
        t["danceability"],
        t["energy"],
        5,
        t["loudness"],
        1,
        t["speechiness"],
        t["acousticness"],
        t["instrumentalness"],
        t["liveness"],
        t["valence"],
        t["tempo"],
        4,
        genre,
    ]


def write_1921(path: Path, tracks: Sequence[Track]) -> Path:
    rows = [
        [
            t["valence"],
            t["year"],
            t["acousticness"],
            repr(list(t["artists"])),
            t["danceability"],
            t["duration_ms"],
            t["energy"],
            int(bool(t["explicit"])),
            t["id"],
            t["instrumentalness"],
            5,
            t["liveness"],
            t["loudness"],
            1,
            t["name"],
            t["popularity"],
            f"{t['year']}-01-01",
            t["speechiness"],
            t["tempo"],
        ]
        for t in tracks
    ]
    return _write(path, HEADER_1921, rows)


def write_features(path: Path, tracks: Sequence[Track]) -> Path:
    rows = [
        [
            t["genre"],
            t["artists"][0],
            t["name"],
            t["id"],
            t["popularity"],
            t["acousticness"],
            t["danceability"],
            t["duration_ms"],
            t["energy"],
            t["instrumentalness"],
            "C#",
            t["liveness"],
            t["loudness"],
            "Major",
            t["speechiness"],
            t["tempo"],
            "4/4",
            t["valence"],
        ]
        for t in tracks
    ]
    return _write(path, HEADER_FEATURES, rows)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path

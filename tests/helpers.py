"""Test helpers: catalog files in the three public layouts, and services run as real processes."""

import contextlib
import csv
import gzip
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypedDict

import httpx

from moodtune_vision.detectors import FaceBox

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

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
    import random

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_service(
    module: str, *, env: dict[str, str], port: int, ready_path: str = "/readyz", timeout: float = 60.0
) -> Iterator[str]:
    """Run `python -m module` as its own process on loopback; yield its base URL once it is ready.

    Its output goes to a file, not a pipe: nobody reads a pipe while tests run, and a service that
    logs enough (one line per refused request under load) would block on a full pipe and hang.
    """
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", module], env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    output.seek(0)
                    raise RuntimeError(f"{module} exited with {process.returncode}:\n{output.read()}")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(base + ready_path, timeout=1.0).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{module} not ready within {timeout}s")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# Real FER2013 faces committed with the tests (their SOURCE.md), so a clone alone passes `make test`.
FER_FIXTURE = REPO / "tests" / "fixtures" / "fer2013"


def fer_samples(per_class: int, *, split: str = "val") -> list[tuple[str, bytes]]:
    """The first `per_class` real FER2013 JPEGs of each class, in file-name order: (label, bytes)."""
    picked: list[tuple[str, bytes]] = []
    for folder in sorted(p for p in (FER_FIXTURE / split).iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.jpg"))[:per_class]
        if len(files) < per_class:
            raise ValueError(f"{folder} holds {len(files)} faces, {per_class} asked for")
        picked.extend((folder.name, file.read_bytes()) for file in files)
    return picked


def image_bytes(image: "object", fmt: str, **save_args: object) -> bytes:
    """Encode a PIL image in memory."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_args)  # type: ignore[attr-defined]
    return buffer.getvalue()


def scene_with_faces(
    faces: Sequence[bytes], *, face_side: int = 160, size: tuple[int, int] = (720, 400)
) -> "object":
    """A plain grey 'photo' with each FER face scaled up and placed side by side."""
    from PIL import Image

    scene = Image.new("L", size, color=120)
    for i, jpeg in enumerate(faces):
        face = Image.open(io.BytesIO(jpeg)).convert("L").resize((face_side, face_side))
        scene.paste(face, (60 + i * (face_side + 120), (size[1] - face_side) // 2))
    return scene


def iou(a: FaceBox, b: FaceBox) -> float:
    """Intersection over union of two boxes."""
    x1, y1 = max(a.x, b.x), max(a.y, b.y)
    x2, y2 = min(a.x + a.width, b.x + b.width), min(a.y + a.height, b.y + b.height)
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / float(a.area + b.area - inter) if inter else 0.0


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50 and p99 of latencies in milliseconds (for the benchmarks)."""
    import statistics

    ordered = sorted(samples_ms)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 4),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 4),
        "max_ms": round(ordered[-1], 4),
    }

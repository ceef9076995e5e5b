"""Recommender benchmark: catalog build time, query latency in-process and over HTTP, and a 10M catalog.

Run with `make bench`; writes JSON to --out. Targets (2-core machine): build <= 60 s for the
114k file; query p50 <= 1 ms in-process and <= 5 ms over HTTP on 114k; <= 10 ms in-process at 10M.
"""

import argparse
import gc
import itertools
import json
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moodtune_contracts.catalog_schema import AUDIO_FEATURES
from moodtune_contracts.emotions import EMOTIONS
from moodtune_contracts.recommendations import RecommendationRequest
from recommender_service.catalog import Catalog
from recommender_service.recommend import recommend
from recommender_service.settings import Settings
from support.processes import free_port, running_service
from support.stats import percentiles
from training.catalog.build import build_catalog


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def query_mix(genres: list[str]) -> list[dict[str, Any]]:
    """Every emotion under both policies, plain and with filters, first and later pages."""
    filters: list[dict[str, Any]] = [
        {},
        {"exclude_explicit": True},
        {"min_popularity": 50},
        {"genres": genres[:1]},
        {"genres": genres[:3], "exclude_explicit": True, "min_popularity": 20},
    ]
    return [
        {"emotion": e.value, "policy": p, "limit": 20, "page": page, **f}
        for e, p, f, page in itertools.product(EMOTIONS, ["match", "uplift"], filters, [1, 3])
    ]


def time_calls(
    call: Callable[[dict[str, Any]], object], bodies: list[dict[str, Any]], rounds: int
) -> dict[str, float]:
    for body in bodies:  # warm-up
        call(body)
    samples = []
    for _ in range(rounds):
        for body in bodies:
            started = time.perf_counter()
            call(body)
            samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def in_process(catalog: Catalog, bodies: list[dict[str, Any]], rounds: int) -> dict[str, float]:
    settings = Settings()
    requests = {id(b): RecommendationRequest(**b) for b in bodies}
    return time_calls(
        lambda b: recommend(request=requests[id(b)], catalog=catalog, settings=settings), bodies, rounds
    )


def synthetic_table(n: int, manifest_genres: list[str], seed: int = 0) -> pa.Table:
    """n tracks with realistic column types; strings built in Arrow, not Python, to stay fast."""
    rng = np.random.default_rng(seed)
    ids = pc.binary_join_element_wise("t", pc.cast(pa.array(np.arange(n)), pa.string()), "")
    artist_pool = pc.binary_join_element_wise(
        "artist ", pc.cast(pa.array(np.arange(n // 20 + 1)), pa.string()), ""
    )
    artists = pa.ListArray.from_arrays(
        pa.array(np.arange(n + 1, dtype=np.int32)),
        artist_pool.take(pa.array(rng.integers(0, len(artist_pool), n))),
    )
    genre_pool = pa.array(manifest_genres)
    genres = pa.ListArray.from_arrays(
        pa.array(np.arange(n + 1, dtype=np.int32)),
        genre_pool.take(pa.array(rng.integers(0, len(genre_pool), n))),
    )
    columns: dict[str, pa.Array] = {
        "id": ids,
        "name": ids,
        "artists": artists,
        "album": pa.nulls(n, pa.string()),
        "genres": genres,
        "year": pa.nulls(n, pa.int16()),
        "popularity": pa.array(rng.integers(0, 101, n).astype(np.int8)),
        "explicit": pa.array(rng.random(n) < 0.1),
        "duration_ms": pa.array(rng.integers(60_000, 400_000, n).astype(np.int32)),
        **{f: pa.array(rng.random(n, dtype=np.float32)) for f in AUDIO_FEATURES},
        "cluster": pa.array(rng.integers(0, 5, n).astype(np.int8)),
        "non_music": pa.nulls(n, pa.string()),
    }
    return pa.table(columns)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spotify-csv", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--big", type=int, default=10_000_000, help="tracks in the synthetic catalog")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "targets": {"build_s": 60, "inprocess_p50_ms": 1, "http_p50_ms": 5, "big_inprocess_p50_ms": 10},
    }

    with tempfile.TemporaryDirectory() as tmp:
        artifact = Path(tmp) / "catalog"
        started = time.perf_counter()
        build_catalog(args.spotify_csv, artifact)
        results["build_114k_s"] = round(time.perf_counter() - started, 2)

        started = time.perf_counter()
        catalog = Catalog.load(artifact)
        results["load_114k_s"] = round(time.perf_counter() - started, 3)
        bodies = query_mix(["pop", "rock", "jazz"])
        results["query_114k_inprocess"] = in_process(catalog, bodies, rounds=5)

        port = free_port()
        env = {
            "RECOMMENDER_PORT": str(port),
            "RECOMMENDER_CATALOG_PATH": str(artifact),
            "RECOMMENDER_LOG_LEVEL": "warning",
        }
        with (
            running_service("recommender_service", env=env, port=port) as url,
            httpx.Client(base_url=url) as client,
        ):

            def over_http(body: dict[str, Any]) -> None:
                client.post("/v1/recommendations", json=body).raise_for_status()

            results["query_114k_http"] = time_calls(over_http, bodies, rounds=3)
        manifest = catalog.manifest
        del catalog
        gc.collect()

    before = rss_mib()
    table = synthetic_table(args.big, manifest.genres)
    started = time.perf_counter()
    big = Catalog(table, manifest)
    del table
    gc.collect()
    results["big"] = {
        "tracks": args.big,
        "index_s": round(time.perf_counter() - started, 2),
        "rss_mib": round(rss_mib() - before, 1),
        "query_inprocess": in_process(big, query_mix(manifest.genres), rounds=2),
    }
    results["met"] = {
        "build": results["build_114k_s"] <= 60,
        "inprocess": results["query_114k_inprocess"]["p50_ms"] <= 1,
        "http": results["query_114k_http"]["p50_ms"] <= 5,
        "big": results["big"]["query_inprocess"]["p50_ms"] <= 10,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""What the recommender gives real faces: the 3,589 FER2013 PublicTest faces, read by the shipped
emotion model as the emotion-service serves it (its runtime, flip averaging as its card says,
probabilities rounded as the API sends them), each probability vector's top 10 under both policies
and both rankings, the study's and the mood's, side by side.

    python -m benchmarks.recommendations --out benchmarks/results/recommendations.json

(in `make bench`). Figures per policy and ranking: distinct top-10 lists and tracks, how far the
tracks sit from the mood's target in valence and energy, their popularity, the share that is not
music, and the recommender's in-process query time; and for the mood ranking, how much of a list a
seeded list for the same face keeps (a fresh list for the same mood).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from emotion_service.classifier import EmotionClassifier
from moodtune_contracts.emotions import EMOTION_LABELS
from moodtune_contracts.mood import Policy, Ranking
from recommender_service.catalog import Catalog
from recommender_service.settings import DEFAULT_CATALOG, Settings
from support.paths import REPO, SHARED
from support.recommendations import shared_share, side_by_side, summary
from training.emotion.data import load_fer

FER = SHARED / "data" / "fer2013" / "fer2013-train-val.tar.gz"
MODEL = REPO / "artifacts" / "emotion" / "model.keras"
FER_CACHE = Path.home() / ".cache" / "moodtune" / "fer"
BATCH = 32  # the emotion-service's largest model call (EMOTION_BATCH_MAX_SIZE)

TARGETS = {
    "mean_abs_valence_gap_max": 0.05,
    "mean_abs_energy_gap_max": 0.05,
    "distinct_list_share_min": 0.25,
    "distinct_tracks_min": 1000,
    "mean_popularity_min": 60,
    "lists_with_noise_or_sleep_max": 0,
    "query_p50_ms_max": 2.0,
}


def served_vectors(model: Path, fer: Path) -> tuple[list[dict[str, float]], dict[str, Any]]:
    """Each PublicTest face's probabilities as the emotion-service answers them."""
    faces = load_fer(fer, cache_dir=FER_CACHE).splits["val"].x
    classifier = EmotionClassifier.load(model)
    classifier.choose_flip_average("auto")
    started = time.perf_counter()
    probabilities = np.concatenate(
        [classifier.predict(faces[i : i + BATCH]) for i in range(0, len(faces), BATCH)]
    )
    rows = np.round(probabilities.astype(np.float64), 6).tolist()
    info = {
        "version": classifier.version,
        "runtime": classifier.runtime.model_dump(),
        "flip_average": classifier.flip_average,
        "faces": len(rows),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return [dict(zip(EMOTION_LABELS, row, strict=True)) for row in rows], info


def met(figures: dict[str, Any]) -> dict[str, bool]:
    return {
        "valence": figures["mean_abs_valence_gap"] <= TARGETS["mean_abs_valence_gap_max"],
        "energy": figures["mean_abs_energy_gap"] <= TARGETS["mean_abs_energy_gap_max"],
        "distinct_lists": figures["distinct_list_share"] >= TARGETS["distinct_list_share_min"],
        "distinct_tracks": figures["distinct_tracks"] >= TARGETS["distinct_tracks_min"],
        "popularity": figures["mean_popularity"] >= TARGETS["mean_popularity_min"],
        "no_noise_or_sleep": figures["lists_with_noise_or_sleep"] <= TARGETS["lists_with_noise_or_sleep_max"],
        "query_p50": figures["query"]["p50_ms"] <= TARGETS["query_p50_ms_max"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--fer", type=Path, default=FER, help="the FER2013 release (its PublicTest faces)")
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--seed", type=int, default=1, help="the seed of the fresh lists compared")
    args = parser.parse_args()

    vectors, model = served_vectors(args.model, args.fer)
    catalog = Catalog.load(args.catalog)
    settings = Settings()
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "model": model,
        "catalog": catalog.manifest.version,
        "settings": settings.model_dump(
            include={"pool_size", "pool_size_sure", "pool_growth", "max_per_artist"}
        ),
        "targets": TARGETS,
        "policies": {},
    }
    for policy in Policy:
        lists = side_by_side(catalog=catalog, settings=settings, vectors=vectors, policy=policy)
        seeded = side_by_side(
            catalog=catalog,
            settings=settings,
            vectors=vectors,
            policy=policy,
            rankings=(Ranking.MOOD,),
            seed=args.seed,
        )[Ranking.MOOD]
        figures = {ranking.value: summary(*lists[ranking]) for ranking in lists}
        figures["mood_seeded"] = {
            "seed": args.seed,
            "shared_with_unseeded": shared_share(lists[Ranking.MOOD][0], seeded[0]),
            "distinct_tracks": summary(*seeded)["distinct_tracks"],
        }
        figures["met"] = met(figures[Ranking.MOOD.value])
        results["policies"][policy.value] = figures
        print(policy.value, json.dumps({r: figures[r] for r in ("study", "mood")}, indent=1), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({p: f["met"] for p, f in results["policies"].items()}, indent=2))


if __name__ == "__main__":
    main()

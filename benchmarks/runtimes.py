"""The photo path as served before and now, paired in one run: Keras (TensorFlow) with the
BlazeFace+MTCNN chain against LiteRT with BlazeFace, the default on a CPU.

Both systems run at once (recommender, emotion-service and gateway each), on the same model, and
every measurement alternates between them so that the ratios hold while the machine's speed drifts:

- start-up: from the emotion-service's process start to ready, with its LiteRT file already derived
  (a restart after a crash); its resident memory then (idle);
- one client: each realistic photo (support/photos.py: 640x480 to 4000x3000, 1 to 4 faces) through
  the emotion-service and through the gateway, p50/p90;
- throughput: 1, 8 and 32 keep-alive clients sending the one-face 1280x960 photo to each gateway;
- the emotion-service's resident memory after that load.

Run: `python -m benchmarks.runtimes --out benchmarks/results/runtimes.json` (in `make bench`).
"""

import argparse
import contextlib
import json
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.photos import load, post, rss_kib, summary
from emotion_service.settings import Settings
from moodtune_vision.litert import prepare
from support.photos import portrait_scenes, realistic_photos
from support.stack import LocalStack, local_stack

SYSTEMS: dict[str, dict[str, str]] = {
    "keras_mtcnn": {"EMOTION_RUNTIME": "keras", "EMOTION_FACE_DETECTOR": "blazeface+mtcnn"},
    "litert_blazeface": {"EMOTION_RUNTIME": "auto", "EMOTION_FACE_DETECTOR": "blazeface"},
}
CLIENT_LEVELS = (1, 8, 32)


def started(model: Path, name: str, stack: contextlib.ExitStack) -> tuple[LocalStack, float]:
    began = time.perf_counter()
    system = stack.enter_context(local_stack(model, emotion=SYSTEMS[name], quiet=True, emotion_timeout=300))
    return system, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=Settings().model_path)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the photo set, paired")
    parser.add_argument("--seconds", type=float, default=10.0, help="per throughput level and system")
    args = parser.parse_args()
    photos = realistic_photos()
    typical = portrait_scenes((1280, 960), 1, seed=42)[0].jpeg
    result: dict[str, Any] = {"systems": SYSTEMS, "photos": len(photos), "rounds": args.rounds}
    with contextlib.ExitStack() as stack:
        systems: dict[str, LocalStack] = {}
        per: dict[str, dict[str, Any]] = {}
        # Derived beforehand, as a first start (or the image build) leaves it: start-up is a restart's.
        prepare(args.model)
        for name in SYSTEMS:
            system, seconds = started(args.model, name, stack)
            systems[name] = system
            readyz = httpx.get(f"{system.emotion}/readyz").json()["details"]
            per[name] = {
                "stack_ready_s": round(seconds, 2),
                "emotion_startup_phases_s": readyz["startup_seconds"],
                "runtime": readyz.get("runtime", {}).get("reason", "keras"),
                "rss_idle_mib": round(rss_kib(system.emotion_pid) / 1024, 1),
            }
        clients = {
            name: (httpx.Client(base_url=s.emotion, timeout=60), httpx.Client(base_url=s.gateway, timeout=60))
            for name, s in systems.items()
        }
        samples: dict[str, dict[str, list[float]]] = {n: {"emotion": [], "gateway": []} for n in SYSTEMS}
        for emotion, gateway in clients.values():  # warm both paths
            for photo in photos[:4]:
                post(emotion, "/v1/emotions", photo.jpeg)
                post(gateway, "/recommend", photo.jpeg)
        for _ in range(args.rounds):
            for photo in photos:
                for name, (emotion, gateway) in clients.items():
                    samples[name]["emotion"].append(post(emotion, "/v1/emotions", photo.jpeg))
                    samples[name]["gateway"].append(post(gateway, "/recommend", photo.jpeg))
        for name in SYSTEMS:
            per[name]["one_client_ms"] = {path: summary(s) for path, s in samples[name].items()}
            per[name]["gateway_throughput"] = []
        for level in CLIENT_LEVELS:
            order = list(SYSTEMS) if level % 2 else list(reversed(SYSTEMS))
            for name in order:
                per[name]["gateway_throughput"].append(
                    load(systems[name].gateway, "/recommend", typical, level, args.seconds)
                )
        for name, system in systems.items():
            per[name]["rss_after_load_mib"] = round(rss_kib(system.emotion_pid) / 1024, 1)
        for emotion, gateway in clients.values():
            emotion.close()
            gateway.close()
    before, now = per["keras_mtcnn"], per["litert_blazeface"]
    result["per_system"] = per
    result["ratios_now_over_before"] = {
        "emotion_p50": round(
            now["one_client_ms"]["emotion"]["p50_ms"] / before["one_client_ms"]["emotion"]["p50_ms"], 3
        ),
        "gateway_p50": round(
            now["one_client_ms"]["gateway"]["p50_ms"] / before["one_client_ms"]["gateway"]["p50_ms"], 3
        ),
        **{
            f"gateway_photos_per_s_{b['clients']}_clients": round(n["photos_per_s"] / b["photos_per_s"], 3)
            for b, n in zip(before["gateway_throughput"], now["gateway_throughput"], strict=True)
        },
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["ratios_now_over_before"], indent=2))


if __name__ == "__main__":
    main()

"""Emotion-service benchmark: the bare model, detection, and the service over HTTP.

Run with `make bench`; writes JSON to --out. Targets (issue 4, 2-core CPU): single-request p50
<= 1.15 x (bare forward at batch 1 + detection); throughput at 32 clients >= 0.8 x the bare model's
batched throughput.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from emotion_service.classifier import EmotionClassifier
from emotion_service.settings import Settings
from moodtune_contracts.faces import decode_image, make_detector
from tests.helpers import fer_samples, free_port, image_bytes, percentiles, running_service, scene_with_faces


def bare_model(classifier: EmotionClassifier, faces: np.ndarray) -> dict[str, Any]:
    classifier.warm_up((1, 32, 64))
    single = []
    for i in range(60):
        started = time.perf_counter()
        classifier.predict(faces[i % len(faces) : i % len(faces) + 1])
        single.append((time.perf_counter() - started) * 1000)
    batched = {}
    for size in (8, 32, 64):
        batch = np.resize(faces, (size, 48, 48))
        classifier.predict(batch)
        rounds = max(3, 256 // size)
        started = time.perf_counter()
        for _ in range(rounds):
            classifier.predict(batch)
        batched[str(size)] = round(size * rounds / (time.perf_counter() - started), 1)
    return {"forward_batch1": percentiles(single), "batched_faces_per_s": batched}


def detection(photo: bytes) -> dict[str, float]:
    detector = make_detector(Settings().face_detector)
    detector.detect(decode_image(photo, max_pixels=40_000_000))  # load the detector's model first
    samples = []
    for _ in range(30):
        started = time.perf_counter()
        detector.detect(decode_image(photo, max_pixels=40_000_000))
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


# At most this many clients per load-generator process (see benchmarks/loadgen.py).
CLIENTS_PER_PROCESS = 16


def load(url: str, payload: bytes, clients: int, seconds: float) -> dict[str, float]:
    processes = max(1, -(-clients // CLIENTS_PER_PROCESS))
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    with tempfile.NamedTemporaryFile(suffix=".jpg") as image:
        image.write(payload)
        image.flush()
        start = time.time() + 3  # all processes begin together, after their imports
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.loadgen",
                    url,
                    image.name,
                    str(share),
                    str(start),
                    str(seconds),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for share in shares
        ]
        latencies = [ms for proc in procs for ms in json.loads(proc.communicate()[0])]
    return {
        "clients": clients,
        "client_processes": processes,
        "requests_per_s": round(len(latencies) / seconds, 1),
        **percentiles(latencies),
    }


def serve_and_measure(
    model: Path, *, batching: bool, crop: bytes, photo: bytes, seconds: float
) -> dict[str, Any]:
    port = free_port()
    env = {
        "EMOTION_PORT": str(port),
        "EMOTION_MODEL_PATH": str(model),
        "EMOTION_MICRO_BATCHING": str(batching).lower(),
        "EMOTION_LOG_LEVEL": "warning",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    result: dict[str, Any] = {}
    with (
        running_service("emotion_service", env=env, port=port, timeout=180) as url,
        httpx.Client(base_url=url) as http,
    ):
        for name, payload in (("crop", crop), ("photo", photo)):
            samples = []
            for _ in range(60):
                started = time.perf_counter()
                http.post(
                    "/v1/emotions", files={"image": ("f.jpg", payload, "image/jpeg")}
                ).raise_for_status()
                samples.append((time.perf_counter() - started) * 1000)
            result[f"single_request_{name}"] = percentiles(samples[5:])
        result["throughput_crop"] = [load(url, crop, clients, seconds) for clients in (1, 4, 16, 32, 64)]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=Settings().model_path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=8.0, help="per throughput level")
    args = parser.parse_args()

    samples = fer_samples(per_class=10)
    crop = samples[0][1]
    faces = np.stack([decode_image(jpeg, max_pixels=10_000) for _, jpeg in samples])
    photo = image_bytes(
        scene_with_faces([samples[3][1]], size=(1280, 960), face_side=240), "JPEG", quality=90
    )

    classifier = EmotionClassifier.load(args.model)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count()},
        "model": classifier.version,
        "device": classifier.device,
        "bare_model": bare_model(classifier, faces),
        "detection_1280x960": detection(photo),
    }
    del classifier
    results["service_micro_batching"] = serve_and_measure(
        args.model, batching=True, crop=crop, photo=photo, seconds=args.seconds
    )
    results["service_no_batching"] = serve_and_measure(
        args.model, batching=False, crop=crop, photo=photo, seconds=args.seconds
    )

    forward = results["bare_model"]["forward_batch1"]["p50_ms"]
    detect = results["detection_1280x960"]["p50_ms"]
    batched = max(results["bare_model"]["batched_faces_per_s"].values())
    at32 = next(r for r in results["service_micro_batching"]["throughput_crop"] if r["clients"] == 32)
    photo_p50 = results["service_micro_batching"]["single_request_photo"]["p50_ms"]
    results["targets"] = {
        "latency_budget_ms": round(1.15 * (forward + detect), 2),
        "latency_photo_p50_ms": photo_p50,
        "latency_met": photo_p50 <= 1.15 * (forward + detect),
        "throughput_floor_per_s": round(0.8 * batched, 1),
        "throughput_at_32_per_s": at32["requests_per_s"],
        "throughput_met": at32["requests_per_s"] >= 0.8 * batched,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

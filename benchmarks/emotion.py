"""Emotion-service benchmark: the bare model, detection, and the service over HTTP.

Run with `make bench`; writes JSON to --out. Targets (2-core CPU): single-request p50
<= 1.15 x (bare forward at batch 1 + detection); throughput at 32 clients >= 0.8 x the bare model's
batched throughput.

A shared machine's speed drifts from minute to minute (benchmarks/RESULTS.md shows by how much), so
each target is measured in pairs: a bare sample, then a service sample, alternating, and the two
are compared only with each other.
"""

import argparse
import json
import os
import statistics
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
from moodtune_vision.crop import fer_crop
from moodtune_vision.decode import decode_image
from moodtune_vision.detectors import FaceDetector, make_detector
from support.faces import fer_samples, image_bytes, scene_with_faces
from support.processes import free_port, running_service
from support.stats import percentiles

# The service's largest model call (EMOTION_BATCH_MAX_SIZE default): 32 clients sending one face
# each can form no larger batch.
SERVICE_BATCH = Settings().batch_max_size
# Paired throughput rounds. Even within a pair the ratio swings on this VM (three rounds once gave
# 0.83, 0.67 and 0.81; seven rounds, 0.62 to 1.03), so the median needs many.
THROUGHPUT_ROUNDS = 15
PAIRED_BARE_S, PAIRED_SERVICE_S = 3.0, 6.0


def bare_forward(classifier: EmotionClassifier, faces: np.ndarray) -> dict[str, Any]:
    classifier.warm_up((1, SERVICE_BATCH, 64))
    single = []
    for i in range(60):
        started = time.perf_counter()
        classifier.predict(faces[i % len(faces) : i % len(faces) + 1])
        single.append((time.perf_counter() - started) * 1000)
    return {
        "forward_batch1": percentiles(single),
        "batched_faces_per_s": {str(size): bare_batched(classifier, faces, size) for size in (8, 32, 64)},
    }


def bare_batched(classifier: EmotionClassifier, faces: np.ndarray, size: int, seconds: float = 4.0) -> float:
    """Faces per second with the model called back to back on batches of `size`."""
    batch = np.resize(faces, (size, 48, 48))
    classifier.predict(batch)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        classifier.predict(batch)
        done += size
    return round(done / (time.perf_counter() - started), 1)


def bare_photo_ms(classifier: EmotionClassifier, detector: FaceDetector, photo: bytes) -> float:
    """What the service cannot avoid for a photo: decode, detect, crop, forward at batch 1."""
    started = time.perf_counter()
    grey = decode_image(photo, max_pixels=40_000_000)
    box = detector.detect(grey)[0]
    classifier.predict(fer_crop(grey, box, framing=detector.framing)[None])
    return (time.perf_counter() - started) * 1000


def detection(detector: FaceDetector, photo: bytes) -> dict[str, float]:
    samples = []
    for _ in range(30):
        started = time.perf_counter()
        detector.detect(decode_image(photo, max_pixels=40_000_000))
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


# At most this many clients per load-generator process (see support/loadgen.py).
CLIENTS_PER_PROCESS = 16


def load(url: str, payload: bytes, clients: int, seconds: float) -> dict[str, Any]:
    processes = max(1, -(-clients // CLIENTS_PER_PROCESS))
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    with tempfile.NamedTemporaryFile(suffix=".jpg") as image:
        image.write(payload)
        image.flush()
        start = time.time() + 3  # all processes begin together, after their imports
        command = [sys.executable, "-m", "support.loadgen", url, image.name]
        arguments = [[*command, str(share), str(start), str(seconds)] for share in shares]
        procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for argv in arguments]
        outputs = [json.loads(proc.communicate()[0]) for proc in procs]
    latencies = [ms for output in outputs for ms in output["latencies_ms"]]
    return {
        "clients": clients,
        "client_processes": processes,
        "requests_per_s": round(len(latencies) / seconds, 1),
        "failed": sum(output["failed"] for output in outputs),
        **percentiles(latencies),
    }


def post(http: httpx.Client, payload: bytes) -> float:
    started = time.perf_counter()
    http.post("/v1/emotions", files={"image": ("f.jpg", payload, "image/jpeg")}).raise_for_status()
    return (time.perf_counter() - started) * 1000


def serve_and_measure(
    model: Path,
    *,
    batching: bool,
    crop: bytes,
    photo: bytes,
    seconds: float,
    bare: tuple[EmotionClassifier, FaceDetector, np.ndarray] | None = None,
) -> dict[str, Any]:
    """The service over HTTP; with `bare`, also the paired bare-vs-service measurements."""
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
            samples = [post(http, payload) for _ in range(45)]
            result[f"single_request_{name}"] = percentiles(samples[5:])
        result["throughput_crop"] = [load(url, crop, clients, seconds) for clients in (1, 4, 16, 32, 64)]
        if bare is not None:
            classifier, detector, faces = bare
            pairs = [(bare_photo_ms(classifier, detector, photo), post(http, photo)) for _ in range(40)]
            result["paired_photo"] = {
                "bare_decode_detect_crop_forward": percentiles([b for b, _ in pairs]),
                "service": percentiles([s for _, s in pairs]),
            }
            rounds = []
            for _ in range(THROUGHPUT_ROUNDS):
                at_batch = bare_batched(classifier, faces, SERVICE_BATCH, PAIRED_BARE_S)
                best = bare_batched(classifier, faces, 64, PAIRED_BARE_S)
                served = load(url, crop, 32, PAIRED_SERVICE_S)["requests_per_s"]
                rounds.append(
                    {
                        f"bare_batch{SERVICE_BATCH}_faces_per_s": at_batch,
                        "bare_batch64_faces_per_s": best,
                        "service_32_clients_per_s": served,
                    }
                )
            result["paired_throughput"] = rounds
    return result


def targets(service: dict[str, Any]) -> dict[str, Any]:
    """The targets, each from its paired measurements."""
    bare_photo = service["paired_photo"]["bare_decode_detect_crop_forward"]["p50_ms"]
    photo = service["paired_photo"]["service"]["p50_ms"]
    rounds = service["paired_throughput"]
    served = [r["service_32_clients_per_s"] for r in rounds]
    at_batch = [r[f"bare_batch{SERVICE_BATCH}_faces_per_s"] for r in rounds]
    best = [max(r[f"bare_batch{SERVICE_BATCH}_faces_per_s"], r["bare_batch64_faces_per_s"]) for r in rounds]
    ratio_at_batch = statistics.median(s / b for s, b in zip(served, at_batch, strict=True))
    ratio_best = statistics.median(s / b for s, b in zip(served, best, strict=True))
    return {
        "latency_photo_p50_ms": photo,
        "latency_budget_ms": round(1.15 * bare_photo, 2),
        "latency_ratio": round(photo / bare_photo, 3),
        "latency_met": photo <= 1.15 * bare_photo,
        "throughput_at_32_per_s_median": statistics.median(served),
        # 32 one-face clients can form no batch above 32: the bare model at that batch is the limit
        # micro-batching can approach; the ratio to the best batch (64) is reported beside it.
        f"throughput_ratio_to_bare_batch{SERVICE_BATCH}": round(ratio_at_batch, 3),
        "throughput_ratio_to_bare_best_batch": round(ratio_best, 3),
        "throughput_met": ratio_at_batch >= 0.8,
    }


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
    detector = make_detector(Settings().face_detector)
    bare_photo_ms(classifier, detector, photo)  # load the detector's model first
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count()},
        "model": classifier.version,
        "device": classifier.device,
        "bare_model": bare_forward(classifier, faces),
        "detection_1280x960": detection(detector, photo),
    }
    results["service_micro_batching"] = serve_and_measure(
        args.model,
        batching=True,
        crop=crop,
        photo=photo,
        seconds=args.seconds,
        bare=(classifier, detector, faces),
    )
    results["service_no_batching"] = serve_and_measure(
        args.model, batching=False, crop=crop, photo=photo, seconds=args.seconds
    )
    results["targets"] = targets(results["service_micro_batching"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["targets"], indent=2))


if __name__ == "__main__":
    main()

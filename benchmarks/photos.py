"""Photos in, emotions out: latency, throughput and a soak, through the services and in-process.

Photos are composed from the committed real portrait (support/photos.py): 640x480 to 4000x3000
JPEGs with 1 to 4 faces, the way users send them. Measured in one run, so that ratios are paired:

- one client: each photo through the emotion-service (POST /v1/emotions) and through the gateway
  (POST /recommend), alternating with the same photo through the in-process pipeline (open, decode,
  detect, crop, classify: what the service cannot avoid); p50/p90 of each;
- the bare detector and classifier on their own, so the overhead is visible;
- throughput with 1, 4, 8, 16 concurrent clients (support/loadgen.py: raw sockets, ~0.2 ms CPU a
  request; its CPU share is reported) against the in-process pipeline at its best (decode, detect
  and crop on every core, then the faces classified in batches of 32), measured before each level;
- a soak: 5 photos/s for 5 minutes (open loop), latency per minute and the service's RSS.

Run: `python -m benchmarks.photos --out benchmarks/results/photos.json` (in `make bench`).
"""

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from emotion_service.classifier import EmotionClassifier
from emotion_service.settings import Settings
from moodtune_contracts.analysis import FaceMode
from moodtune_vision.crop import faces_in_image
from moodtune_vision.decode import Picture, decode_picture, open_image
from moodtune_vision.detectors import FaceDetector, make_detector
from support.photos import Photo, portrait_scenes, realistic_photos
from support.processes import free_port, running_service
from support.stack import local_stack
from support.stats import percentile

CLIENT_LEVELS = (1, 4, 8, 16)


def summary(samples_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 50), 2),
        "p90_ms": round(percentile(samples_ms, 90), 2),
        "max_ms": round(max(samples_ms), 2),
    }


def in_process(classifier: EmotionClassifier, detector: FaceDetector, jpeg: bytes) -> int:
    """The pipeline the service runs for a photo, without HTTP: returns the faces classified."""
    image = open_image(jpeg, max_pixels=40_000_000)
    _, faces = faces_in_image(image, mode=FaceMode.AUTO, detector=detector)
    classifier.predict(np.stack([face.pixels for face in faces]))
    return len(faces)


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def post(http: httpx.Client, path: str, jpeg: bytes) -> float:
    started = time.perf_counter()
    http.post(path, files={"image": ("photo.jpg", jpeg, "image/jpeg")}).raise_for_status()
    return (time.perf_counter() - started) * 1000


def bare_parts(classifier: EmotionClassifier, detector: FaceDetector, photo: Photo) -> dict[str, Any]:
    """The detector alone on the decoded photo, and the classifier alone at batch 1 and 4."""

    def decode() -> Picture:
        return decode_picture(photo.jpeg, max_pixels=40_000_000, reduce_to=detector.decode_min_side)

    picture = decode()
    faces = np.zeros((4, 48, 48), np.uint8)
    return {
        "decode_ms": summary(
            [
                timed(
                    lambda: decode_picture(
                        photo.jpeg, max_pixels=40_000_000, reduce_to=detector.decode_min_side
                    )
                )
                for _ in range(20)
            ]
        ),
        "detect_ms": summary([timed(lambda: detector.detect(picture.pixels)) for _ in range(20)]),
        "classify_batch1_ms": summary([timed(lambda: classifier.predict(faces[:1])) for _ in range(20)]),
        "classify_batch4_ms": summary([timed(lambda: classifier.predict(faces)) for _ in range(20)]),
    }


def bare_throughput(classifier: EmotionClassifier, detector: FaceDetector, jpeg: bytes, photos: int) -> float:
    """Photos per second the in-process pipeline reaches at its best here: decode, detect and crop on
    one thread per core, then all the faces classified in batches of the service's largest size."""

    def crops(_: int) -> list[np.ndarray]:
        image = open_image(jpeg, max_pixels=40_000_000)
        return [face.pixels for face in faces_in_image(image, mode=FaceMode.AUTO, detector=detector)[1]]

    started = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        faces = np.stack([face for found in pool.map(crops, range(photos)) for face in found])
    batch = Settings().batch_max_size
    for start in range(0, len(faces), batch):
        classifier.predict(faces[start : start + batch])
    return round(photos / (time.perf_counter() - started), 2)


def load(url: str, path: str, jpeg: bytes, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` keep-alive clients in one load-generator process; its CPU share of the machine."""
    with tempfile.NamedTemporaryFile(suffix=".jpg") as image:
        image.write(jpeg)
        image.flush()
        start = time.time() + 2
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        command = [
            sys.executable,
            "-m",
            "support.loadgen",
            url,
            image.name,
            str(clients),
            str(start),
            str(seconds),
            path,
        ]
        output = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    latencies = output["latencies_ms"]
    return {
        "clients": clients,
        "photos_per_s": round(len(latencies) / seconds, 2),
        "failed": output["failed"],
        **(summary(latencies) if latencies else {}),
        # The generator's CPU (imports included, ~0.3 s) over the machine's CPU time in the window.
        "load_generator_cpu_share": round(cpu / (seconds * (os.cpu_count() or 1)), 3),
    }


async def soak(url: str, photos: list[Photo], pid: int, *, rate: float, seconds: float) -> dict[str, Any]:
    """Open loop: a photo every 1/rate s whatever the answers do; RSS sampled every 10 s."""
    latencies: list[tuple[float, float]] = []  # (sent at, ms)
    rss: list[tuple[float, int]] = []
    failed = 0
    began = time.perf_counter()

    async def one(http: httpx.AsyncClient, jpeg: bytes) -> None:
        nonlocal failed
        sent = time.perf_counter()
        response = await http.post("/v1/emotions", files={"image": ("photo.jpg", jpeg, "image/jpeg")})
        if response.status_code == 200:
            latencies.append((sent - began, (time.perf_counter() - sent) * 1000))
        else:
            failed += 1

    async def sample_rss() -> None:
        while time.perf_counter() - began < seconds:
            rss.append((time.perf_counter() - began, rss_kib(pid)))
            await asyncio.sleep(10)

    async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=64)) as http:
        sampler = asyncio.create_task(sample_rss())
        tasks = []
        for index in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(http, photos[index % len(photos)].jpeg)))
        await asyncio.gather(*tasks)
        await sampler
    rss.append((time.perf_counter() - began, rss_kib(pid)))
    minutes = {}
    for minute in range(int(seconds // 60)):
        window = [ms for at, ms in latencies if minute * 60 <= at < (minute + 1) * 60]
        if window:
            minutes[str(minute + 1)] = summary(window)
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "sent": int(rate * seconds),
        "failed": failed,
        "latency": summary([ms for _, ms in latencies]),
        "latency_by_minute": minutes,
        "rss_mib": [[round(at), round(kib / 1024, 1)] for at, kib in rss],
    }


def rss_kib(pid: int) -> int:
    """The process's resident memory (VmRSS, KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def flip_cost(model: Path, photos: list[Photo], *, rounds: int) -> dict[str, Any]:
    """One client, each photo through two emotion-services on the same model, alternating: one
    reads each face once, the other with its mirror image in the same model call (flip averaging).
    Paired in one run, so the ratio of p50s holds while the machine's speed drifts."""
    ports = [free_port() for _ in range(2)]
    quiet = {"TF_CPP_MIN_LOG_LEVEL": "3", "EMOTION_LOG_LEVEL": "warning", "EMOTION_MODEL_PATH": str(model)}
    with (
        running_service(
            "emotion_service",
            env={"EMOTION_PORT": str(ports[0]), "EMOTION_FLIP_AVERAGE": "off", **quiet},
            port=ports[0],
            timeout=240,
        ) as one_pass,
        running_service(
            "emotion_service",
            env={"EMOTION_PORT": str(ports[1]), "EMOTION_FLIP_AVERAGE": "on", **quiet},
            port=ports[1],
            timeout=240,
        ) as flipped,
        httpx.Client(base_url=one_pass, timeout=60) as to_one_pass,
        httpx.Client(base_url=flipped, timeout=60) as to_flipped,
    ):
        if to_flipped.get("/v1/model").json()["flip_average_served"] is not True:
            raise RuntimeError("EMOTION_FLIP_AVERAGE=on was not taken: the comparison would be void")
        for photo in photos[:4]:
            post(to_one_pass, "/v1/emotions", photo.jpeg)
            post(to_flipped, "/v1/emotions", photo.jpeg)
        paired: dict[str, list[float]] = {"one_pass": [], "flip_average": []}
        for _ in range(rounds):
            for photo in photos:
                paired["one_pass"].append(post(to_one_pass, "/v1/emotions", photo.jpeg))
                paired["flip_average"].append(post(to_flipped, "/v1/emotions", photo.jpeg))
    result: dict[str, Any] = {name: summary(samples) for name, samples in paired.items()}
    result["p50_ratio"] = round(result["flip_average"]["p50_ms"] / result["one_pass"]["p50_ms"], 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=Settings().model_path)
    parser.add_argument("--seconds", type=float, default=8.0, help="per throughput level")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the photo set, paired")
    parser.add_argument("--soak-seconds", type=float, default=300.0)
    parser.add_argument("--soak-rate", type=float, default=5.0)
    parser.add_argument(
        "--flip-cost-only", action="store_true", help="measure only what flip averaging costs a photo"
    )
    args = parser.parse_args()

    photos = realistic_photos()
    if args.flip_cost_only:
        cost = {
            "model": str(args.model),
            "flip_average_one_client": flip_cost(args.model, photos, rounds=args.rounds),
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(cost, indent=2) + "\n")
        print(json.dumps(cost, indent=2))
        return
    typical = portrait_scenes((1280, 960), 1, seed=42)[0]  # one face, 1280x960: the throughput photo
    settings = Settings()
    classifier = EmotionClassifier.load(args.model)
    precision = classifier.choose_precision(settings.precision, (1, 2, 4, 8, 16, settings.batch_max_size))
    detector = make_detector(settings.face_detector)
    in_process(classifier, detector, typical.jpeg)  # load the detector's model
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count()},
        "model": classifier.version,
        "detector": detector.name,
        "precision": precision.model_dump(),
        "photos": [{"bytes": len(p.jpeg), "faces": len(p.truths)} for p in photos],
        "bare_parts_1280x960_one_face": bare_parts(classifier, detector, typical),
    }
    with (
        local_stack(args.model, quiet=True) as running,
        httpx.Client(base_url=running.emotion, timeout=60) as to_emotion,
        httpx.Client(base_url=running.gateway, timeout=60) as to_gateway,
    ):
        for photo in photos[:4]:  # first requests (worker threads' detector interpreters)
            post(to_emotion, "/v1/emotions", photo.jpeg)
            post(to_gateway, "/recommend", photo.jpeg)
        paired: dict[str, list[float]] = {"in_process": [], "emotion_service": [], "recommend": []}
        for _ in range(args.rounds):
            for photo in photos:
                paired["in_process"].append(timed(lambda: in_process(classifier, detector, photo.jpeg)))  # noqa: B023
                paired["emotion_service"].append(post(to_emotion, "/v1/emotions", photo.jpeg))
                paired["recommend"].append(post(to_gateway, "/recommend", photo.jpeg))
        results["one_client"] = {name: summary(samples) for name, samples in paired.items()}
        results["one_client"]["service_over_in_process_p50"] = round(
            statistics.median(
                s / b for s, b in zip(paired["emotion_service"], paired["in_process"], strict=True)
            ),
            3,
        )
        rounds = []
        for clients in CLIENT_LEVELS:
            bare = bare_throughput(classifier, detector, typical.jpeg, photos=64)
            served = load(running.emotion, "/v1/emotions", typical.jpeg, clients, args.seconds)
            rounds.append(
                {**served, "in_process_photos_per_s": bare, "ratio": round(served["photos_per_s"] / bare, 3)}
            )
            print(json.dumps(rounds[-1]), flush=True)
        results["throughput_emotion_service"] = rounds
        results["flip_average_one_client"] = flip_cost(args.model, photos, rounds=args.rounds)
        results["throughput_recommend_8_clients"] = load(
            running.gateway, "/recommend", typical.jpeg, 8, args.seconds
        )
        results["soak"] = asyncio.run(
            soak(running.emotion, photos, running.emotion_pid, rate=args.soak_rate, seconds=args.soak_seconds)
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: results[k] for k in ("one_client", "soak")}, indent=2)[:3000])


if __name__ == "__main__":
    main()

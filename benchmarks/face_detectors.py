"""Which face detector should the emotion-service use? Accuracy and speed of the offline options.

Candidates that work offline with what pip installs: OpenCV's Haar cascades (4.x ships the
files) and the `mtcnn` package (TensorFlow; ships its weights). Test images: FER2013 validation
faces as they are (48x48 crops) and placed into larger 'photos' (scaled to 120-220 px at a random
spot of a textured 960x720 scene), one face or two. A hit is a box overlapping the true face
(IoU >= 0.3). Run: `python -m benchmarks.face_detectors --out benchmarks/results/face_detectors.json`
It also reports the framing calibration (crop side / box side, centre shift) behind faces.Framing.
"""

import argparse
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from moodtune_vision.detectors import FaceBox, HaarDetector, MtcnnDetector
from support.faces import fer_samples, iou

Detect = Callable[[np.ndarray], list[FaceBox]]


def haar(name: str) -> Detect:
    if name == "haarcascade_frontalface_default.xml":
        return HaarDetector().detect  # the service's own Haar configuration
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]

    def detect(grey: np.ndarray) -> list[FaceBox]:
        found = cascade.detectMultiScale(
            cv2.equalizeHist(grey), scaleFactor=1.1, minNeighbors=5, minSize=(20, 20)
        )
        return [FaceBox(int(x), int(y), int(w), int(h)) for x, y, w, h in (found if len(found) else [])]

    return detect


def mtcnn() -> Detect:
    return MtcnnDetector().detect  # the service's own configuration


def scenes(faces: list[np.ndarray], per_scene: int, seed: int) -> list[tuple[np.ndarray, list[FaceBox]]]:
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, len(faces) - per_scene + 1, per_scene):
        scene = cv2.GaussianBlur(rng.integers(60, 190, (720, 960), dtype=np.uint8), (0, 0), 6)
        truths = []
        for k in range(per_scene):
            side = int(rng.integers(120, 220))
            x = (
                int(rng.integers(20 + k * 470, 470 + k * 470 - side))
                if per_scene == 2
                else int(rng.integers(20, 940 - side))
            )
            y = int(rng.integers(20, 700 - side))
            scene[y : y + side, x : x + side] = cv2.resize(
                faces[start + k], (side, side), interpolation=cv2.INTER_CUBIC
            )
            truths.append(FaceBox(x, y, side, side))
        out.append((scene, truths))
    return out


def evaluate(detect: Detect, images: list[tuple[np.ndarray, list[FaceBox]]]) -> dict[str, Any]:
    hits = extra = 0
    seconds = 0.0
    # Framing calibration: how the true FER square relates to the detector's box (faces.Framing).
    side_ratio, shift = [], []
    for image, truths in images:
        started = time.perf_counter()
        boxes = detect(image)
        seconds += time.perf_counter() - started
        for truth in truths:
            match = next((b for b in boxes if iou(truth, b) >= 0.3), None)
            if match:
                hits += 1
                side_ratio.append(truth.width / max(match.width, match.height))
                shift.append(((truth.y + truth.height / 2) - (match.y + match.height / 2)) / match.height)
        extra += max(0, len(boxes) - sum(any(iou(t, b) >= 0.3 for b in boxes) for t in truths))
    faces = sum(len(t) for _, t in images)
    return {
        "recall": round(hits / faces, 4),
        "false_boxes_per_image": round(extra / len(images), 3),
        "ms_per_image": round(1000 * seconds / len(images), 2),
        "framing_scale_median": round(float(np.median(side_ratio)), 3) if side_ratio else None,
        "framing_shift_y_median": round(float(np.median(shift)), 3) if shift else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-class", type=int, default=30)
    args = parser.parse_args()
    faces = [
        np.asarray(Image.open(io.BytesIO(j)).convert("L")) for _, j in fer_samples(per_class=args.per_class)
    ]
    sets = {
        "fer_crops_48px": [(f, [FaceBox(0, 0, 48, 48)]) for f in faces],
        "photo_one_face_960x720": scenes(faces, 1, seed=0),
        "photo_two_faces_960x720": scenes(faces, 2, seed=1),
    }
    detectors: dict[str, Detect] = {
        "opencv_haar_default": haar("haarcascade_frontalface_default.xml"),
        "opencv_haar_alt2": haar("haarcascade_frontalface_alt2.xml"),
        "mtcnn (chosen)": mtcnn(),
    }
    results: dict[str, Any] = {"faces": len(faces), "detectors": {}}
    for name, detect in detectors.items():
        results["detectors"][name] = {set_name: evaluate(detect, images) for set_name, images in sets.items()}
        print(name, json.dumps(results["detectors"][name]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

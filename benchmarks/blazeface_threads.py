"""How BlazeFace should use the cores: one LiteRT interpreter per request thread on one core each,
or one interpreter on every core whose calls are taken in turn (what `BlazeFace` does).

Detections per second of a real photo (the committed portrait, letterboxed once) with 1, 2 and 6
threads calling at once, each layout measured for `--seconds`.

Run: `python -m benchmarks.blazeface_threads --out benchmarks/results/blazeface_threads.json`
(in `make bench`).
"""

import argparse
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from moodtune_vision.blazeface import FULL_RANGE, BlazeFace, model_path
from support.faces import PORTRAIT


def per_thread_interpreter() -> Callable[[np.ndarray], None]:
    """Each calling thread gets its own single-core interpreter."""
    from ai_edge_litert.interpreter import Interpreter

    local = threading.local()

    def detect(tensor: np.ndarray) -> None:
        interpreter = getattr(local, "interpreter", None)
        if interpreter is None:
            interpreter = Interpreter(model_path=str(model_path(FULL_RANGE)), num_threads=1)
            interpreter.allocate_tensors()
            local.interpreter = interpreter
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor[None])
        interpreter.invoke()

    return detect


def rate(detect: Callable[[np.ndarray], None], tensor: np.ndarray, callers: int, seconds: float) -> float:
    """Detections per second with `callers` threads calling `detect` back to back."""
    done = [0] * callers
    for _ in range(3):  # each layout's interpreters made and warm before the clock starts
        detect(tensor)
    stop = time.perf_counter() + seconds

    def call(index: int) -> None:
        while time.perf_counter() < stop:
            detect(tensor)
            done[index] += 1

    threads = [threading.Thread(target=call, args=(i,)) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(sum(done) / seconds, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    shared = BlazeFace(FULL_RANGE)
    tensor, _ = shared.letterbox(np.asarray(Image.open(PORTRAIT).convert("RGB")))
    layouts: dict[str, Callable[[np.ndarray], Any]] = {
        "one interpreter per thread, 1 core each": per_thread_interpreter(),
        "one interpreter on every core, in turn (served)": shared.outputs,
    }
    results: dict[str, Any] = {"cores": os.cpu_count(), "detections_per_s": {}}
    for callers in (1, 2, 6):
        for name, detect in layouts.items():
            results["detections_per_s"].setdefault(name, {})[str(callers)] = rate(
                detect, tensor, callers, args.seconds
            )
        measured = {name: per[str(callers)] for name, per in results["detections_per_s"].items()}
        print(callers, measured, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

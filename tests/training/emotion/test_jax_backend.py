"""The training code is Keras 3 only: it trains on JAX (what GPU hosts here have) and the artifact it
exports is served by TensorFlow, the emotion-service's backend."""

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np

from support.paths import REPO


def test_train_on_jax_and_serve_on_tensorflow(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = ["emotion,pixels,Usage"]
    for i in range(56):
        pixels = " ".join(str(v) for v in rng.integers(0, 256, 2304))
        rows.append(f"{i % 7},{pixels},{'PublicTest' if i % 4 == 0 else 'Training'}")
    data = tmp_path / "fer2013.csv"
    data.write_text("\n".join(rows) + "\n")
    out = tmp_path / "run"
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [
        sys.executable,
        "-m",
        "training.emotion",
        "train",
        "--arch",
        "basic_cnn",
        "--data",
        str(data),
        "--out",
        str(out),
        "--epochs",
        "1",
        "--batch-size",
        "16",
        "--verbose",
        "0",
        "--cache-dir",
        str(tmp_path / "c"),
    ]
    result = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"backend": "jax"' in (out / "artifact" / "model.card.json").read_text()

    assert keras.backend.backend() == "tensorflow"
    model = keras.models.load_model(out / "artifact" / "model.keras")
    probs = model.predict(rng.integers(0, 256, (3, 48, 48, 1)).astype("float32"), verbose=0)
    assert probs.shape == (3, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-3)

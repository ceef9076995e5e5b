"""The GPU route's one command, dry-run on the CPU with tiny settings: the same script, so its first
run on a GPU host is the real run (scripts/train_emotion_gpu.sh).

Real parts: the real FER2013 image-folder format (a .tar.gz of committed FER2013 faces), JAX as the
backend, the real export, the parts, and their reassembly here, served by TensorFlow.
"""

import json
import os
import subprocess
import tarfile
from pathlib import Path

import keras
import numpy as np
import pytest

from moodtune_contracts.model_card import ModelCard
from support.faces import FER_FIXTURE
from support.paths import REPO
from training.emotion.gpu.route import unshard_run
from training.emotion.gpu.shards import PART_BYTES, join_parts, split_file


@pytest.fixture(scope="module")
def fer_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fer") / "fer2013-train-val.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(FER_FIXTURE / "train", arcname="train")
        tar.add(FER_FIXTURE / "val", arcname="val")
    return path


def dry_run(fer_tarball: Path, tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """scripts/train_emotion_gpu.sh as a GPU host would run it, with tiny settings and no wheels."""
    env = {
        **os.environ,
        "OUT": str(tmp_path / "OUT"),
        "MOODTUNE_RUN": str(tmp_path / "run"),
        "MOODTUNE_FER": str(fer_tarball),
        "MOODTUNE_GPU_DIR": str(tmp_path / "no-wheels"),
        "MOODTUNE_GPU_EPOCHS": "1",
        "MOODTUNE_GPU_INPUT_SIZE": "32",
        "MOODTUNE_GPU_BATCH": "16",
        "MOODTUNE_GPU_WARMUP_EPOCHS": "0",
        **settings,
    }
    return subprocess.run(
        ["bash", "scripts/train_emotion_gpu.sh"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_gpu_script_trains_evaluates_and_writes_parts_that_rebuild_the_model(
    fer_tarball: Path, tmp_path: Path
) -> None:
    out = tmp_path / "OUT"
    # The real run's 0.2 is for batches of 512; at 16 faces it diverges (the NaN guard's test).
    result = dry_run(fer_tarball, tmp_path, MOODTUNE_GPU_LEARNING_RATE="0.01")
    log = (out / "train.log").read_text() if (out / "train.log").exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr + log)[-4000:]

    returned = sorted(p.name for p in out.iterdir())
    assert len(returned) <= 8 and all(p.stat().st_size <= 16 * 2**20 for p in out.iterdir())
    assert "model.keras.part00" in returned and "model.card.json" in returned and "history.csv" in returned
    card = json.loads((out / "model.card.json").read_text())
    assert card["training"]["backend"] == "jax" and card["recipe"]["input_size"] == 32
    assert card["metrics"]["val_one_pass"] and card["metrics"]["val_flip_average"]  # both views, per class
    assert "PublicTest accuracy" in log

    rebuilt = tmp_path / "here"
    shipped_card = unshard_run(out, rebuilt)
    assert isinstance(shipped_card, ModelCard) and (rebuilt / "artifact" / "CARD.md").exists()
    assert keras.backend.backend() == "tensorflow"  # served as the emotion-service serves it
    model = keras.models.load_model(rebuilt / "artifact" / "model.keras")
    probabilities = model.predict(np.zeros((2, 48, 48, 1), np.float32), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-3)


def test_a_diverged_run_fails_loudly_and_exports_nothing(fer_tarball: Path, tmp_path: Path) -> None:
    result = dry_run(fer_tarball, tmp_path, MOODTUNE_GPU_LEARNING_RATE="1000")
    assert result.returncode != 0
    assert "training failed" in result.stdout and "NaN" in (tmp_path / "OUT" / "train.log").read_text()
    assert not (tmp_path / "OUT" / "model.keras.part00").exists()


def test_parts_are_at_most_the_limit_and_a_wrong_or_missing_part_is_refused(tmp_path: Path) -> None:
    blob = tmp_path / "model.keras"
    data = np.random.default_rng(0).integers(0, 256, 2 * PART_BYTES // 1000, dtype=np.uint8).tobytes()
    blob.write_bytes(data)
    parts = split_file(blob, tmp_path / "parts", part_bytes=len(data) // 3)
    assert len(parts) == 4 and all(p.stat().st_size <= len(data) // 3 for p in parts)
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    assert (
        join_parts(tmp_path / "parts", "model.keras", tmp_path / "back.keras", sha256=sha).read_bytes()
        == data
    )
    parts[1].unlink()
    with pytest.raises(ValueError, match="the card says"):
        join_parts(tmp_path / "parts", "model.keras", tmp_path / "again.keras", sha256=sha)
    with pytest.raises(FileNotFoundError):
        join_parts(tmp_path / "nothing", "model.keras", tmp_path / "x.keras", sha256=sha)

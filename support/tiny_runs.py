"""Training runs small enough for tests: synthetic FER-shaped data and a one-epoch recipe."""

from pathlib import Path

import numpy as np

from training.emotion.config import TrainConfig, recipe_for, with_overrides
from training.emotion.data import FerData, Split

TINY_INPUT = 32  # the smallest input every keras.applications backbone accepts


def tiny_data(n: int = 24, seed: int = 0) -> FerData:
    rng = np.random.default_rng(seed)

    def split(size: int) -> Split:
        return Split(rng.integers(0, 256, (size, 48, 48), dtype=np.uint8), np.arange(size) % 7)

    return FerData(splits={"train": split(n), "val": split(14)}, source="synthetic", sha256="0" * 64)


def tiny_config(arch: str, out: Path, **changes: object) -> TrainConfig:
    recipe = with_overrides(recipe_for("study", arch), epochs=1, input_size=TINY_INPUT, batch_size=8)
    return TrainConfig(arch=arch, data=Path("synthetic"), out=out, recipe=recipe, verbose=0, **changes)  # type: ignore[arg-type]

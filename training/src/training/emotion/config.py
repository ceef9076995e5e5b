"""Training configuration: one object handed to every step, and the named presets.

`study` reproduces the paper's per-model settings (each architecture's record holds its own);
`moodtune` is our stronger recipe
for ResNet50V2 from scratch (SGD with Nesterov momentum, cosine decay, label smoothing, mixup,
random erasing, class weights, flip TTA), after the published FER2013 recipes that reach ~73%.
"""

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from moodtune_vision.detectors import DEFAULT_DETECTOR
from training.emotion.architectures import get_architecture
from training.emotion.recipe import Augmentation, Recipe

MOODTUNE = Recipe(
    epochs=120,
    input_size=96,
    augmentation=Augmentation(rotation_deg=10, zoom=0.2, shift=0.2, horizontal_flip=True, erasing=0.25),
    optimizer="sgd",
    learning_rate=0.05,
    weight_decay=1e-4,
    schedule="cosine",
    warmup_epochs=3,
    label_smoothing=0.1,
    mixup=0.2,
    class_weights=True,
    batch_size=64,
    tta=True,
)

PRESETS = ("study", "moodtune")


def recipe_for(preset: str, arch: str) -> Recipe:
    architecture = get_architecture(arch)
    if preset == "study":
        return architecture.study_recipe
    if preset == "moodtune":
        return MOODTUNE
    raise ValueError(f"unknown preset {preset!r}; expected one of {PRESETS}")


@dataclass(frozen=True)
class TrainConfig:
    arch: str
    data: Path
    out: Path
    recipe: Recipe
    preset: str = "study"
    weights: str = "none"  # "imagenet", "none" or a local weights file
    seed: int = 1337
    resume: bool = False
    export_only: bool = False  # no more epochs: evaluate and export the best so far
    extra: Path | None = None
    face_detector: str = DEFAULT_DETECTOR  # finds the faces in `extra`'s images, as the service does
    cache_dir: Path | None = None
    augment_in: str = "auto"  # auto, loader (NumPy/OpenCV, off the step) or model (Keras layers)
    precision: str = "auto"  # auto, or a keras dtype policy: float32, mixed_bfloat16, mixed_float16
    max_minutes: float | None = None  # stop after the epoch that crosses this wall-clock budget
    limit_train: int | None = None  # a seeded, class-proportional subset of N training images (pilots)
    warm_start: Path | None = None  # a saved model whose weights start this run where shapes match
    # With a warm start and no checkpoint: begin the recipe's schedule at this epoch (continue a
    # schedule on a machine where its checkpoint is gone).
    start_epoch: int = 0
    verbose: int = 1
    command: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}


def with_overrides(recipe: Recipe, **changes: Any) -> Recipe:
    return replace(recipe, **{k: v for k, v in changes.items() if v is not None})


def with_augmentation(recipe: Recipe, **changes: Any) -> Recipe:
    augmentation = replace(recipe.augmentation, **{k: v for k, v in changes.items() if v is not None})
    return replace(recipe, augmentation=augmentation)

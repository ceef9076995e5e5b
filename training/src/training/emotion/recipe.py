"""How a model is trained: its augmentation and its hyper-parameters, as plain frozen records."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Augmentation:
    """The study's ImageDataGenerator settings, as Keras preprocessing layers (plus extras for presets)."""

    rotation_deg: float = 0.0
    zoom: float = 0.0
    shift: float = 0.0
    shear: float = 0.0
    horizontal_flip: bool = False
    vertical_flip: bool = False
    erasing: float = 0.0  # probability-free random erasing strength (0 = off)


@dataclass(frozen=True)
class Recipe:
    epochs: int
    input_size: int
    augmentation: Augmentation
    optimizer: str = "adam"  # "adam" or "sgd"
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    schedule: str = "plateau"  # "plateau": ReduceLROnPlateau on val accuracy; "cosine": cosine decay
    warmup_epochs: int = 0
    label_smoothing: float = 0.0
    # > 0: focal loss (Lin et al. 2017) with this gamma, which weighs the faces the model still gets
    # wrong (fear read as sad) above the easy ones; 0: plain cross-entropy.
    focal_gamma: float = 0.0
    mixup: float = 0.0  # Beta(a, a) mixing strength; 0 = off
    class_weights: bool = False
    batch_size: int = 64
    tta: bool = False

"""The study's four architectures as a registry: one record each holds the network's body, the value
range its backbone expects, the study's recipe and the study's reported figures (study.md).

Like timm's `register_model`: adding an architecture is one record here, not edits across
if/elif chains in the model builder, the presets and the card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from training.emotion.recipe import Augmentation, Recipe

if TYPE_CHECKING:  # Keras is imported by the bodies when a model is built, so that the registry
    import keras  # (read by `--help`, the presets and the card) costs no deep-learning import.

    # (preprocessed input, input size, weights source for keras, the --weights value) -> features
    Body = Callable[[keras.KerasTensor, int, str | None, str], keras.KerasTensor]
else:
    Body = Callable[..., Any]


@dataclass(frozen=True)
class StudyFigures:
    """What the study reports for an architecture, and the setting it reports it for."""

    train_accuracy: float
    val_accuracy: float
    input_size: int
    epochs: int
    weights: str  # "imagenet" or "none"


@dataclass(frozen=True)
class Architecture:
    name: str
    body: Body
    scale: float  # 0..255 grey times scale plus offset: the backbone's input range
    offset: float
    study: StudyFigures
    # The study: Adam 1e-3, categorical cross-entropy, ReduceLROnPlateau on validation accuracy,
    # batch 64 (recipe.Recipe's defaults), with each model's own augmentation and epochs.
    study_recipe: Recipe


REGISTRY: dict[str, Architecture] = {}


def register(architecture: Architecture) -> Architecture:
    if architecture.name in REGISTRY:
        raise ValueError(f"architecture {architecture.name!r} is registered twice")
    REGISTRY[architecture.name] = architecture
    return architecture


def get_architecture(name: str) -> Architecture:
    if name not in REGISTRY:
        raise ValueError(f"unknown architecture {name!r}; expected one of {tuple(REGISTRY)}")
    return REGISTRY[name]


def _freeze_all_but_last(base: keras.Model, trainable_last: int, weights: str) -> None:
    # Freezing random weights is meaningless: from scratch, everything trains.
    if weights == "none":
        return
    for layer in base.layers[:-trainable_last]:
        layer.trainable = False


def _basic_cnn(x: keras.KerasTensor, input_size: int, source: str | None, weights: str) -> keras.KerasTensor:
    """The study's 'basic CNN': 6 conv, 12 BN, 3 pool, 9 dropout, 7 dense."""
    from keras import layers

    for filters_a, filters_b, pad_a in ((32, 64, "valid"), (64, 128, "valid"), (128, 256, "valid")):
        x = layers.Conv2D(filters_a, 3, padding=pad_a, activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Conv2D(filters_b, 3, padding="same", activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(2, padding="same")(x)
        x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    for units in (1024, 512, 256, 128, 64, 32):
        x = layers.Dense(units, activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Dropout(0.25)(x)
    return x


def _resnet50v2(x: keras.KerasTensor, input_size: int, source: str | None, weights: str) -> keras.KerasTensor:
    import keras
    from keras import layers

    base = keras.applications.ResNet50V2(
        include_top=False, weights=source, input_shape=(input_size, input_size, 3)
    )
    x = base(x)
    x = layers.Dropout(0.25)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    return layers.Dropout(0.5)(x)


def _vgg16(x: keras.KerasTensor, input_size: int, source: str | None, weights: str) -> keras.KerasTensor:
    import keras
    from keras import layers

    base = keras.applications.VGG16(
        include_top=False, weights=source, input_shape=(input_size, input_size, 3)
    )
    _freeze_all_but_last(base, 4, weights)
    x = base(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dense(32, activation="relu")(x)
    return layers.Dense(16, activation="relu")(x)


def _efficientnetb0(
    x: keras.KerasTensor, input_size: int, source: str | None, weights: str
) -> keras.KerasTensor:
    import keras
    from keras import layers

    shape = (input_size, input_size, 3)
    base = keras.applications.EfficientNetB0(include_top=False, weights=source, input_shape=shape)
    _freeze_all_but_last(base, 4, weights)
    x = base(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Flatten()(x)
    x = layers.BatchNormalization()(x)
    for i in range(3):
        x = layers.Dense(32, kernel_initializer="he_uniform")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        if i < 2:
            x = layers.Dropout(0.5)(x)
    return x


register(
    Architecture(
        name="basic_cnn",
        body=_basic_cnn,
        scale=1 / 255.0,
        offset=0.0,
        study=StudyFigures(
            train_accuracy=0.6913, val_accuracy=0.6617, input_size=48, epochs=50, weights="none"
        ),
        study_recipe=Recipe(
            epochs=50,
            input_size=48,
            augmentation=Augmentation(rotation_deg=20, zoom=0.2, shift=0.1, horizontal_flip=True),
        ),
    )
)
register(
    Architecture(
        name="resnet50v2",
        body=_resnet50v2,
        scale=1 / 127.5,  # ResNetV2 expects -1..1 (its ImageNet preprocessing)
        offset=-1.0,
        study=StudyFigures(
            train_accuracy=0.7716, val_accuracy=0.6904, input_size=224, epochs=30, weights="imagenet"
        ),
        study_recipe=Recipe(
            epochs=30,
            input_size=224,
            augmentation=Augmentation(rotation_deg=10, zoom=0.2, shift=0.1, horizontal_flip=True),
        ),
    )
)
register(
    Architecture(
        name="vgg16",
        body=_vgg16,
        scale=1 / 255.0,
        offset=0.0,
        study=StudyFigures(
            train_accuracy=0.5140, val_accuracy=0.5157, input_size=48, epochs=30, weights="imagenet"
        ),
        study_recipe=Recipe(
            epochs=30,
            input_size=48,
            augmentation=Augmentation(
                rotation_deg=5, zoom=0.2, shift=0.2, horizontal_flip=True, vertical_flip=True
            ),
        ),
    )
)
register(
    Architecture(
        name="efficientnetb0",
        body=_efficientnetb0,
        scale=1.0,  # EfficientNet rescales internally and expects 0..255
        offset=0.0,
        study=StudyFigures(
            train_accuracy=0.2500, val_accuracy=0.2449, input_size=48, epochs=21, weights="imagenet"
        ),
        study_recipe=Recipe(
            epochs=21,
            input_size=48,
            augmentation=Augmentation(rotation_deg=5, shear=0.2, horizontal_flip=True, vertical_flip=True),
        ),
    )
)

ARCHITECTURES: tuple[str, ...] = tuple(REGISTRY)

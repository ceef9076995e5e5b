"""The study's four emotion models, in Keras 3 only (runs on the TensorFlow and JAX backends).

Every model takes what the service sends — a batch of 48x48x1 grey face crops with values 0..255 —
and rescales, resizes and expands channels itself, so serving cannot drift from training. The
exported (inference) model is `build_classifier`'s; training wraps it with the augmentation.
"""

from dataclasses import dataclass
from pathlib import Path

import keras
from keras import layers

from moodtune_contracts.emotions import EMOTIONS
from moodtune_vision.crop import FACE_SIZE

CLASSIFIER_NAME = "moodtune_emotion"
NUM_CLASSES = len(EMOTIONS)


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


def augmentation(spec: Augmentation, *, seed: int) -> keras.Sequential:
    stack: list[layers.Layer] = []
    if spec.horizontal_flip or spec.vertical_flip:
        mode = "horizontal_and_vertical" if spec.vertical_flip else "horizontal"
        stack.append(layers.RandomFlip(mode, seed=seed))
    if spec.rotation_deg:
        stack.append(layers.RandomRotation(spec.rotation_deg / 360.0, fill_mode="nearest", seed=seed + 1))
    if spec.zoom:
        stack.append(layers.RandomZoom(spec.zoom, fill_mode="nearest", seed=seed + 2))
    if spec.shift:
        stack.append(layers.RandomTranslation(spec.shift, spec.shift, fill_mode="nearest", seed=seed + 3))
    if spec.shear:
        stack.append(layers.RandomShear(x_factor=spec.shear, y_factor=spec.shear, seed=seed + 4))
    if spec.erasing:
        stack.append(
            layers.RandomErasing(factor=1.0, scale=(0.02, spec.erasing), value_range=(0, 255), seed=seed + 5)
        )
    return keras.Sequential(stack, name="augmentation")


def _preprocess(
    inputs: keras.KerasTensor, *, input_size: int, scale: float, offset: float
) -> keras.KerasTensor:
    """0..255 grey 48x48 -> the backbone's value range, size and 3 channels, inside the model."""
    x = layers.Rescaling(scale, offset=offset, name="rescale")(inputs)
    if input_size != FACE_SIZE:
        x = layers.Resizing(input_size, input_size, interpolation="bilinear", name="resize")(x)
    return layers.Concatenate(name="grey_to_rgb")([x, x, x])


def _weights_arg(weights: str) -> str | None:
    """`imagenet` (downloaded by Keras where the internet is reachable), `none`, or a local file path."""
    if weights == "none":
        return None
    if weights == "imagenet":
        return "imagenet"
    if not Path(weights).is_file():
        raise FileNotFoundError(f"weights file {weights} does not exist")
    return weights


def _freeze_all_but_last(base: keras.Model, trainable_last: int | None, weights: str) -> None:
    # Freezing random weights is meaningless: from scratch, everything trains.
    if trainable_last is None or weights == "none":
        return
    for layer in base.layers[:-trainable_last]:
        layer.trainable = False


def _basic_cnn(x: keras.KerasTensor) -> keras.KerasTensor:
    """The study's 'basic CNN': 6 conv, 12 BN, 3 pool, 9 dropout, 7 dense."""
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


def build_classifier(*, arch: str, input_size: int, weights: str = "none") -> keras.Model:
    """The inference model: (batch, 48, 48, 1) grey 0..255 in, 7 probabilities in EMOTIONS order out."""
    inputs = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
    source = _weights_arg(weights)
    shape = (input_size, input_size, 3)
    if arch == "basic_cnn":
        x = _preprocess(inputs, input_size=input_size, scale=1 / 255.0, offset=0.0)
        x = _basic_cnn(x)
    elif arch == "resnet50v2":
        # ResNetV2 expects -1..1 (its ImageNet preprocessing).
        x = _preprocess(inputs, input_size=input_size, scale=1 / 127.5, offset=-1.0)
        base = keras.applications.ResNet50V2(include_top=False, weights=source, input_shape=shape)
        x = base(x)
        x = layers.Dropout(0.25)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Flatten()(x)
        x = layers.Dense(64, activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Dropout(0.5)(x)
    elif arch == "vgg16":
        x = _preprocess(inputs, input_size=input_size, scale=1 / 255.0, offset=0.0)
        base = keras.applications.VGG16(include_top=False, weights=source, input_shape=shape)
        _freeze_all_but_last(base, 4, weights)
        x = base(x)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(512, activation="relu")(x)
        x = layers.Dense(256, activation="relu")(x)
        x = layers.Dropout(0.2)(x)
        x = layers.Dense(64, activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Dense(32, activation="relu")(x)
        x = layers.Dense(16, activation="relu")(x)
    elif arch == "efficientnetb0":
        # EfficientNet rescales internally and expects 0..255.
        x = _preprocess(inputs, input_size=input_size, scale=1.0, offset=0.0)
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
    else:
        raise ValueError(f"unknown architecture {arch!r}; expected one of {ARCHITECTURES}")
    # float32 output even under mixed precision, so probabilities sum to 1 exactly enough.
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=CLASSIFIER_NAME)


def build_training_model(classifier: keras.Model, spec: Augmentation, *, seed: int) -> keras.Model:
    """Augmentation (active only in training) in front of the classifier that gets exported."""
    inputs = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
    outputs = classifier(augmentation(spec, seed=seed)(inputs))
    return keras.Model(inputs, outputs, name="training_model")


ARCHITECTURES = ("basic_cnn", "resnet50v2", "vgg16", "efficientnetb0")

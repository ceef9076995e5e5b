"""The emotion models, in Keras 3 only (runs on the TensorFlow and JAX backends); the architectures
themselves are records in `architectures`.

Every model takes what the service sends — a batch of 48x48x1 grey face crops with values 0..255 —
and rescales, resizes and expands channels itself, so serving cannot drift from training. The
exported (inference) model is `build_classifier`'s; training wraps it with the augmentation.
"""

from pathlib import Path

import keras
from keras import layers

from moodtune_contracts.emotions import EMOTIONS
from moodtune_vision.crop import FACE_SIZE
from training.emotion.architectures import get_architecture
from training.emotion.recipe import Augmentation

CLASSIFIER_NAME = "moodtune_emotion"
NUM_CLASSES = len(EMOTIONS)


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


def build_classifier(*, arch: str, input_size: int, weights: str = "none") -> keras.Model:
    """The inference model: (batch, 48, 48, 1) grey 0..255 in, 7 probabilities in EMOTIONS order out."""
    architecture = get_architecture(arch)
    inputs = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
    x = _preprocess(inputs, input_size=input_size, scale=architecture.scale, offset=architecture.offset)
    x = architecture.body(x, input_size, _weights_arg(weights), weights)
    # float32 output even under mixed precision, so probabilities sum to 1 exactly enough.
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=CLASSIFIER_NAME)


def build_training_model(classifier: keras.Model, spec: Augmentation | None, *, seed: int) -> keras.Model:
    """Augmentation (active only in training) in front of the classifier that gets exported.

    `spec` None: the data loader augments (`augment`), and the classifier is trained as it is."""
    inputs = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
    x = inputs if spec is None else augmentation(spec, seed=seed)(inputs)
    outputs = classifier(x)
    return keras.Model(inputs, outputs, name="training_model")

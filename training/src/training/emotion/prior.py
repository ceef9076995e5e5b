"""Logit adjustment on the class prior (Menon et al., "Long-tail learning via logit adjustment",
ICLR 2021), post hoc: subtract tau * log(prior) from the logits, so rare classes (disgust, fear)
are predicted when the evidence for them is as strong as for a common one.

Folded into the last layer's bias, so the shipped model itself reads with it: the service, the
benchmarks and the card's numbers need nothing beside the model file.
"""

import keras
import numpy as np

from training.emotion.models import NUM_CLASSES

OUTPUT_LAYER = "probabilities"  # models.build_classifier's last Dense layer (softmax)


def class_prior(y: np.ndarray) -> np.ndarray:
    """Each class's share of the training labels (every class at least one count)."""
    counts = np.maximum(np.bincount(y, minlength=NUM_CLASSES), 1).astype(np.float64)
    return counts / counts.sum()


def adjust(probabilities: np.ndarray, prior: np.ndarray, tau: float) -> np.ndarray:
    """What the model would answer with the adjustment folded in: softmax(logits - tau log prior).

    Equal to the folded model's output because a softmax does not change when every logit moves
    by the same amount, so log-probabilities serve as logits."""
    logits = np.log(np.maximum(probabilities, 1e-12)) - tau * np.log(prior)
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def fold_into_bias(classifier: keras.Model, prior: np.ndarray, tau: float) -> None:
    """Subtract tau * log(prior) from the output layer's bias, in place."""
    bias = classifier.get_layer(OUTPUT_LAYER).bias
    shift = (tau * np.log(prior)).astype(np.float32)
    bias.assign(keras.ops.convert_to_numpy(bias.value).astype(np.float32) - shift)

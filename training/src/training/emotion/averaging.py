"""Weight averaging (stochastic weight averaging, Izmailov et al. 2018): one model whose weights are
the mean of several models of the same architecture that were fine-tuned from one another, e.g. the
shipped model and the ends of the warm-restart cycles that started from it.

Such models lie in one basin of the loss, and the mean of their weights tends to sit nearer its
centre than any of them. The mean of their BatchNorm moving statistics is not the statistics of the
averaged network, so those are estimated again from training faces, as the paper does.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers


class AverageError(ValueError):
    """The models cannot be averaged (different architectures)."""


def average_weights(models: Sequence[keras.Model]) -> keras.Model:
    """A copy of the first model holding the element-wise mean of every model's weights."""
    if not models:
        raise AverageError("no models to average")
    shapes = [[w.shape for w in model.get_weights()] for model in models]
    if any(s != shapes[0] for s in shapes[1:]):
        raise AverageError("the models differ in their weights' number or shapes: not one architecture")
    averaged = keras.models.clone_model(models[0])
    weights = zip(*(model.get_weights() for model in models), strict=True)
    averaged.set_weights([np.mean(np.stack(ws), axis=0).astype(ws[0].dtype) for ws in weights])
    return averaged


def _batch_norms(layer: keras.Layer) -> Iterator[layers.BatchNormalization]:
    """Every BatchNormalization inside `layer`, nested models included (the backbone is one)."""
    if isinstance(layer, layers.BatchNormalization):
        yield layer
    for inner in getattr(layer, "layers", []):
        yield from _batch_norms(inner)


@dataclass(frozen=True)
class BatchNormPass:
    layers: int  # BatchNorm layers whose statistics were estimated again
    faces: int  # faces they were estimated from (whole batches)


def recompute_batch_norm(
    model: keras.Model, faces: np.ndarray, *, batch_size: int = 128, seed: int = 1337
) -> BatchNormPass:
    """Replace every BatchNorm layer's moving mean and variance by the mean, over `faces` (uint8,
    (n, 48, 48)), of its per-batch statistics.

    The faces are read in a seeded random order: the loaded splits are ordered by class, and batches
    of one class would give each layer the variance within a class instead of across the data.

    A forward pass in training mode updates each moving statistic as `m * momentum + batch * (1 -
    momentum)`; with momentum k / (k + 1) at the k-th batch (from 0) that is the running mean over
    the batches seen, not an exponential average of the last few. Nothing else changes: the pass
    has no optimiser, and the model's other training-mode layers (dropout) keep no state."""
    norms = list(_batch_norms(model))
    if not norms or not len(faces):
        return BatchNormPass(layers=len(norms), faces=0)
    momenta = [norm.momentum for norm in norms]
    for norm in norms:
        norm.moving_mean.assign(np.zeros(norm.moving_mean.shape, dtype="float32"))
        norm.moving_variance.assign(np.ones(norm.moving_variance.shape, dtype="float32"))
    faces = faces[np.random.default_rng(seed).permutation(len(faces))]
    batch = min(batch_size, len(faces))
    used = len(faces) - len(faces) % batch  # whole batches: a short one would weigh as much as a full one
    try:
        for k, start in enumerate(range(0, used, batch)):
            for norm in norms:
                norm.momentum = k / (k + 1)
            model(faces[start : start + batch].astype("float32")[..., None], training=True)
    finally:
        for norm, momentum in zip(norms, momenta, strict=True):
            norm.momentum = momentum
    return BatchNormPass(layers=len(norms), faces=used)
    return len(norms)

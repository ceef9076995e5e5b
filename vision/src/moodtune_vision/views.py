"""Flip averaging: a face and its mirror image read together, their probabilities averaged.

One definition for the trainer's evaluation and the emotion-service, so the accuracy a card reports
with flip averaging is the accuracy the service serves with it.
"""

import numpy as np


def with_mirrors(faces: np.ndarray) -> np.ndarray:
    """(n, h, w[, c]) faces -> (2n, h, w[, c]): the faces, then each one mirrored left to right.

    One batch of both views: on a CPU a batch of 2 costs far less than two calls of 1."""
    return np.concatenate([faces, faces[:, :, ::-1]], axis=0)


def average_mirrors(probabilities: np.ndarray) -> np.ndarray:
    """(2n, k) probabilities of `with_mirrors(faces)` -> (n, k): each face's two views averaged."""
    n = len(probabilities) // 2
    return (probabilities[:n] + probabilities[n:]) / 2

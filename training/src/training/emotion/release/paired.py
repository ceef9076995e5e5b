"""Two models read the same faces: their paired difference, and the rule that ships the better one.

Paired, because both models read the same 3,589 PublicTest faces: the standard error of the
difference is far smaller than either accuracy's own (~0.8 points), since most faces are read
right (or wrong) by both. The ship rule, as served: a candidate ships when one of accuracy and
macro-F1 is higher than the shipped model's by more than its standard error and the other is not
lower by more than its standard error (a clear gain on one, no clear loss on the other).
"""

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import f1_score

from moodtune_contracts.emotions import EMOTIONS

BOOTSTRAP_ROUNDS = 1000


@dataclass(frozen=True)
class PairedDifference:
    candidate: float
    shipped: float
    difference: float  # candidate - shipped
    standard_error: float


@dataclass(frozen=True)
class PairedComparison:
    n: int
    accuracy: PairedDifference
    macro_f1: PairedDifference

    @property
    def candidate_better(self) -> bool:
        """The ship rule: one clearly higher (by more than its standard error), neither clearly lower."""
        scores = (self.accuracy, self.macro_f1)
        gain = any(d.difference > d.standard_error for d in scores)
        no_loss = all(d.difference >= -d.standard_error for d in scores)
        return gain and no_loss

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "candidate_better": self.candidate_better}


def _macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    labels = list(range(len(EMOTIONS)))
    return float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


def compare(
    y_true: np.ndarray,
    candidate: np.ndarray,
    shipped: np.ndarray,
    *,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = 0,
) -> PairedComparison:
    """Predicted label indices of two models on the same faces.

    Accuracy's standard error is the exact paired one (sd of the per-face differences / sqrt n);
    macro-F1 is not a mean over faces, so its standard error is a paired bootstrap: the same
    resampled faces for both models, `rounds` times.
    """
    n = len(y_true)
    if not (len(candidate) == len(shipped) == n) or n == 0:
        raise ValueError(f"need the same faces for both: {n} labels, {len(candidate)} and {len(shipped)}")
    right_c, right_s = (candidate == y_true).astype(np.float64), (shipped == y_true).astype(np.float64)
    per_face = right_c - right_s
    accuracy = PairedDifference(
        candidate=float(right_c.mean()),
        shipped=float(right_s.mean()),
        difference=float(per_face.mean()),
        standard_error=float(per_face.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
    )
    rng = np.random.default_rng(seed)
    boot = np.empty(rounds)
    for i in range(rounds):
        rows = rng.integers(0, n, n)
        boot[i] = _macro_f1(y_true[rows], candidate[rows]) - _macro_f1(y_true[rows], shipped[rows])
    f1_c, f1_s = _macro_f1(y_true, candidate), _macro_f1(y_true, shipped)
    macro_f1 = PairedDifference(
        candidate=f1_c,
        shipped=f1_s,
        difference=f1_c - f1_s,
        standard_error=float(boot.std(ddof=1)) if rounds > 1 else 0.0,
    )
    return PairedComparison(n=n, accuracy=accuracy, macro_f1=macro_f1)

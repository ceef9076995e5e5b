"""The ship rule: a candidate against the shipped model on the same faces, paired."""

import numpy as np
import pytest

from training.emotion.release.paired import PairedComparison, PairedDifference, compare


def test_the_paired_accuracy_difference_and_its_standard_error_are_exact() -> None:
    y = np.array([0, 1, 2, 3, 4, 5, 6, 0, 1, 2])
    shipped = y.copy()
    shipped[[0, 1, 2]] = 6  # 7 of 10 right
    candidate = y.copy()
    candidate[[0]] = 6  # 9 of 10 right; right wherever the shipped model is
    result = compare(y, candidate, shipped, rounds=50)
    assert result.accuracy.candidate == pytest.approx(0.9) and result.accuracy.shipped == pytest.approx(0.7)
    assert result.accuracy.difference == pytest.approx(0.2)
    per_face = np.array([0, 1, 1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    assert result.accuracy.standard_error == pytest.approx(per_face.std(ddof=1) / np.sqrt(10))
    assert result.macro_f1.difference > 0 and result.macro_f1.standard_error > 0
    assert result.candidate_better and result.as_dict()["candidate_better"] is True


def test_higher_accuracy_with_a_lower_macro_f1_is_not_better() -> None:
    # 90 happy faces and 10 disgusted ones: the candidate calls everything happy (90% right,
    # disgust lost); the shipped model finds both classes and misses 15 happy faces (85% right).
    y2 = np.array([3] * 90 + [1] * 10)
    balanced = y2.copy()
    balanced[:15] = 1  # 85% right, both classes found
    happy_only = np.full(100, 3)  # 90% right, disgust never
    lost = compare(y2, happy_only, balanced, rounds=20)
    assert lost.accuracy.difference > 0 and lost.macro_f1.difference < 0
    assert not lost.candidate_better


def test_the_models_must_have_read_the_same_faces() -> None:
    with pytest.raises(ValueError, match="same faces"):
        compare(np.zeros(5, int), np.zeros(5, int), np.zeros(4, int))


def comparison(accuracy: tuple[float, float], macro_f1: tuple[float, float]) -> PairedComparison:
    """Differences and standard errors as given (candidate minus shipped)."""
    return PairedComparison(
        n=3589,
        accuracy=PairedDifference(
            candidate=0.6, shipped=0.6 - accuracy[0], difference=accuracy[0], standard_error=accuracy[1]
        ),
        macro_f1=PairedDifference(
            candidate=0.5, shipped=0.5 - macro_f1[0], difference=macro_f1[0], standard_error=macro_f1[1]
        ),
    )


@pytest.mark.parametrize(
    ("accuracy", "macro_f1", "ships"),
    [
        ((0.008, 0.005), (-0.002, 0.004), True),  # a clear gain, a loss within its error
        ((-0.003, 0.005), (0.010, 0.004), True),  # the other way round (focal loss's kind of result)
        ((0.003, 0.005), (0.002, 0.004), False),  # higher on both, but neither beyond its error
        ((0.008, 0.005), (-0.006, 0.004), False),  # a gain, and a clear loss
    ],
)
def test_one_clear_gain_and_no_clear_loss_ships(
    accuracy: tuple[float, float], macro_f1: tuple[float, float], ships: bool
) -> None:
    assert comparison(accuracy, macro_f1).candidate_better is ships

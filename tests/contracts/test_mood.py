import pytest

from moodtune_contracts.emotions import EMOTIONS, FER2013_CSV_INDEX, Emotion
from moodtune_contracts.errors import InvalidProbabilities
from moodtune_contracts.mood import (
    MATCH_POINTS,
    NEGATIVE_EMOTIONS,
    UPLIFT_POINTS,
    MoodPoint,
    Policy,
    dominant,
    one_hot,
    pool_size,
    rank_clusters,
    target_point,
    validate_probabilities,
)


def test_labels_are_the_seven_fer2013_emotions_in_folder_order() -> None:
    assert [e.value for e in EMOTIONS] == ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


def test_csv_index_order_is_a_permutation_of_the_labels() -> None:
    assert sorted(FER2013_CSV_INDEX) == sorted(EMOTIONS)
    assert FER2013_CSV_INDEX[4] == Emotion.SAD and FER2013_CSV_INDEX[6] == Emotion.NEUTRAL


def test_match_points_follow_the_circumplex() -> None:
    happy, sad = MATCH_POINTS[Emotion.HAPPY], MATCH_POINTS[Emotion.SAD]
    assert happy.valence > 0.7 and happy.energy > 0.6
    assert sad.valence < 0.3 and sad.energy < 0.3
    for emotion in (Emotion.ANGRY, Emotion.FEAR):
        assert MATCH_POINTS[emotion].valence < 0.3 and MATCH_POINTS[emotion].energy > 0.7
    assert MATCH_POINTS[Emotion.NEUTRAL] == MoodPoint(valence=0.5, energy=0.5)


def test_uplift_aims_negative_moods_at_pleasant_music_and_keeps_the_rest() -> None:
    for emotion in EMOTIONS:
        if emotion in NEGATIVE_EMOTIONS:
            assert UPLIFT_POINTS[emotion].valence >= 0.7 > MATCH_POINTS[emotion].valence
        else:
            assert UPLIFT_POINTS[emotion] == MATCH_POINTS[emotion]


def test_target_is_the_probability_weighted_blend_not_the_argmax() -> None:
    vector = dict.fromkeys(EMOTIONS, 0.0) | {Emotion.HAPPY: 0.5, Emotion.SAD: 0.5}
    target = target_point(vector, Policy.MATCH)
    happy, sad = MATCH_POINTS[Emotion.HAPPY], MATCH_POINTS[Emotion.SAD]
    assert target.valence == pytest.approx((happy.valence + sad.valence) / 2)
    assert target.energy == pytest.approx((happy.energy + sad.energy) / 2)
    assert target_point(one_hot(Emotion.SAD), Policy.UPLIFT) == UPLIFT_POINTS[Emotion.SAD]


def test_validate_probabilities_completes_missing_emotions_with_zero() -> None:
    vector = validate_probabilities({"sad": 0.75, "fear": 0.25})
    assert list(vector) == list(EMOTIONS)
    assert vector[Emotion.SAD] == 0.75 and vector[Emotion.HAPPY] == 0.0


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"sad": 0.5}, "sum to 0.5000"),
        ({"sad": 1.2, "happy": -0.2}, "between 0 and 1"),
        ({"sadness": 1.0}, "unknown emotion"),
    ],
)
def test_validate_probabilities_rejects_non_distributions(payload: dict[str, float], fragment: str) -> None:
    with pytest.raises(InvalidProbabilities, match=fragment):
        validate_probabilities(payload)


def test_dominant_breaks_ties_by_label_order() -> None:
    vector = dict.fromkeys(EMOTIONS, 0.0) | {Emotion.SAD: 0.5, Emotion.FEAR: 0.5}
    assert dominant(vector) == Emotion.FEAR


def test_rank_clusters_orders_by_distance_then_id() -> None:
    points = {
        0: MoodPoint(valence=0.9, energy=0.9),
        1: MoodPoint(valence=0.1, energy=0.1),
        2: MoodPoint(valence=0.1, energy=0.1),
    }
    ranked = rank_clusters(MoodPoint(valence=0.2, energy=0.2), points)
    assert [c for c, _ in ranked] == [1, 2, 0]
    assert ranked[0][1] == pytest.approx(2**0.5 / 10)


def test_a_surer_face_takes_a_tighter_pool() -> None:
    uniform = dict.fromkeys(EMOTIONS, 1 / 7)
    assert pool_size(one_hot(Emotion.SAD), widest=60, tightest=30) == 30
    assert pool_size(uniform, widest=60, tightest=30) == 60
    halfway = dict.fromkeys(EMOTIONS, 0.0) | {Emotion.SAD: 4 / 7, Emotion.FEAR: 3 / 7}
    assert pool_size(halfway, widest=60, tightest=30) == 45

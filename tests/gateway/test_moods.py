"""Whose mood counts: the group blend and the plain-words reasons, on hand-made faces."""

import pytest

from gateway.errors import NoSuchFace
from gateway.moods import blend, chosen_face, face_weights, why
from moodtune_contracts.analysis import Box, FaceEmotion
from moodtune_contracts.emotions import EMOTION_LABELS, Emotion
from moodtune_contracts.mood import Policy, Ranking
from moodtune_contracts.recommendations import ClusterChoice, Explanation, MoodPool, MoodTarget


def face(side: int, emotion: str) -> FaceEmotion:
    probabilities = {label: (1.0 if label == emotion else 0.0) for label in EMOTION_LABELS}
    return FaceEmotion(
        box=Box(x=0, y=0, width=side, height=side),
        detected=True,
        primary=False,
        emotion=emotion,
        confidence=1.0,
        probabilities=probabilities,
    )


def test_a_face_twice_as_wide_counts_four_times() -> None:
    faces = [face(200, "happy"), face(100, "sad")]
    weights = face_weights(faces)
    assert weights == pytest.approx([0.8, 0.2])
    mixed = blend(faces, weights)
    assert list(mixed) == list(EMOTION_LABELS)
    assert mixed["happy"] == pytest.approx(0.8) and mixed["sad"] == pytest.approx(0.2)
    assert sum(mixed.values()) == pytest.approx(1.0)


def test_asking_for_a_face_the_photo_lacks_is_a_422() -> None:
    faces = [face(100, "happy")]
    assert chosen_face(faces, 1) is faces[0]
    with pytest.raises(NoSuchFace) as raised:
        chosen_face(faces, 2)
    assert raised.value.status_code == 422 and raised.value.details["faces_found"] == 1


def explanation(label: str) -> Explanation:
    cluster = ClusterChoice(
        cluster=2, label=label, distance=0.1, chosen=True, valence=0.7, energy=0.6, size=9
    )
    return Explanation(
        target=MoodTarget(valence=0.75, energy=0.55),
        clusters=[cluster],
        ranking=Ranking.MOOD,
        pool=MoodPool(size=30, growth=3, radius=0.02),
        seed=None,
        non_music_left_out=True,
        summary="...",
    )


@pytest.mark.parametrize(
    ("emotion", "policy", "group", "expected"),
    [
        (
            Emotion.SAD,
            Policy.UPLIFT,
            False,
            "You look sad, so here is bright and lively music to lift your mood",
        ),
        (Emotion.SAD, Policy.MATCH, False, "You look sad, so here is bright and lively music to match it"),
        (
            Emotion.HAPPY,
            Policy.UPLIFT,
            True,
            "Together you look happy, so here is bright and lively music to match it",
        ),
        (
            Emotion.ANGRY,
            Policy.UPLIFT,
            True,
            "Together you look angry, so here is bright and lively music to lift the mood",
        ),
    ],
)
def test_why_says_it_in_plain_words(emotion: Emotion, policy: Policy, group: bool, expected: str) -> None:
    sentence = why(emotion=emotion, explanation=explanation("bright & lively"), policy=policy, group=group)
    assert sentence == expected + " — most popular first."

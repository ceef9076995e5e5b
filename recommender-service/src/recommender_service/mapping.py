"""From an emotion (or a probability vector) and a policy to a target mood and the clusters to draw from."""

from collections.abc import Mapping
from dataclasses import dataclass

from moodtune_contracts import mood
from moodtune_contracts.catalog_schema import ClusterProfile
from moodtune_contracts.emotions import EMOTIONS, Emotion
from recommender_service.errors import InvalidProbabilities, UnknownEmotion


@dataclass(frozen=True)
class MoodPlan:
    probabilities: dict[Emotion, float]
    dominant: Emotion
    policy: mood.Policy
    target: mood.MoodPoint
    ranked: list[tuple[int, float]]  # every cluster with its distance to the target, nearest first
    chosen: list[int]  # the clusters tracks are drawn from, nearest first


def emotion_vector(*, emotion: str | None, probabilities: Mapping[str, float] | None) -> dict[Emotion, float]:
    if (emotion is None) == (probabilities is None):
        raise InvalidProbabilities("give exactly one of `emotion` or `probabilities`")
    if emotion is not None:
        if emotion not in set(EMOTIONS):
            raise UnknownEmotion(
                f"unknown emotion {emotion!r}; expected one of {', '.join(EMOTIONS)}",
                details={"allowed": list(EMOTIONS)},
            )
        return mood.one_hot(Emotion(emotion))
    assert probabilities is not None
    try:
        return mood.validate_probabilities(probabilities)
    except mood.InvalidProbabilities as exc:
        raise InvalidProbabilities(str(exc), details={"allowed": list(EMOTIONS)}) from exc


def plan(
    *,
    vector: dict[Emotion, float],
    policy: mood.Policy,
    clusters: list[ClusterProfile],
    fallback_margin: float,
) -> MoodPlan:
    """Aim at the blended target; draw from the nearest cluster, then from any almost as near."""
    target = mood.target_point(vector, policy)
    points = {c.cluster: mood.MoodPoint(valence=c.valence, energy=c.energy) for c in clusters}
    ranked = mood.rank_clusters(target, points)
    nearest = ranked[0][1]
    chosen = [c for c, distance in ranked if distance <= nearest + fallback_margin]
    return MoodPlan(
        probabilities=vector,
        dominant=mood.dominant(vector),
        policy=policy,
        target=target,
        ranked=ranked,
        chosen=chosen,
    )

"""The mood mapping, in one place: where each emotion sits in music's valence x energy plane, where
each policy aims, and which clusters a target draws from. The catalog job records its tables in the
manifest; the recommender aims with the same functions at query time.

Russell's circumplex model of affect places emotions on two axes, pleasantness (valence) and
arousal. Spotify's audio features carry the same two axes for music (`valence`, `energy`, both
0..1), so an emotion becomes a target point and music is chosen by nearness to it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from moodtune_contracts.emotions import EMOTIONS, Emotion
from moodtune_contracts.errors import InvalidProbabilities, UnknownEmotion


class Policy(StrEnum):
    MATCH = "match"  # music that fits the mood
    UPLIFT = "uplift"  # for a negative mood, music that moves the listener toward a positive one


class Ranking(StrEnum):
    # The chosen cluster's tracks nearest the target, most popular first: the mood picks the songs,
    # popularity their order.
    MOOD = "mood"
    # The study's: the whole chosen cluster, most popular first (the same hits for every face the
    # cluster serves); kept so its figures stay reproducible.
    STUDY = "study"


@dataclass(frozen=True)
class MoodPoint:
    valence: float
    energy: float


# Match: the emotion's own position (valence, energy) on the circumplex, scaled to 0..1.
MATCH_POINTS: Mapping[Emotion, MoodPoint] = {
    Emotion.ANGRY: MoodPoint(valence=0.20, energy=0.85),
    Emotion.DISGUST: MoodPoint(valence=0.20, energy=0.60),
    Emotion.FEAR: MoodPoint(valence=0.25, energy=0.75),
    Emotion.HAPPY: MoodPoint(valence=0.85, energy=0.70),
    Emotion.NEUTRAL: MoodPoint(valence=0.50, energy=0.50),
    Emotion.SAD: MoodPoint(valence=0.20, energy=0.25),
    Emotion.SURPRISE: MoodPoint(valence=0.70, energy=0.85),
}

NEGATIVE_EMOTIONS: frozenset[Emotion] = frozenset({Emotion.ANGRY, Emotion.DISGUST, Emotion.FEAR, Emotion.SAD})

# Uplift: negative moods aim at a pleasant point. Following the music-therapy "iso principle"
# (start near the listener's arousal, then move valence), a sad listener gets brighter and somewhat
# livelier songs, while angry or afraid listeners get pleasant songs at a calmer energy.
UPLIFT_POINTS: Mapping[Emotion, MoodPoint] = {
    **MATCH_POINTS,
    Emotion.ANGRY: MoodPoint(valence=0.70, energy=0.55),
    Emotion.DISGUST: MoodPoint(valence=0.70, energy=0.55),
    Emotion.FEAR: MoodPoint(valence=0.70, energy=0.45),
    Emotion.SAD: MoodPoint(valence=0.75, energy=0.55),
}

POLICY_POINTS: Mapping[Policy, Mapping[Emotion, MoodPoint]] = {
    Policy.MATCH: MATCH_POINTS,
    Policy.UPLIFT: UPLIFT_POINTS,
}

# How far a probability vector's sum may stray from 1 (rounding in clients, float16 models).
PROBABILITY_SUM_TOLERANCE = 0.02


def validate_probabilities(probabilities: Mapping[str, float]) -> dict[Emotion, float]:
    """Return a complete vector (missing emotions are 0), or raise InvalidProbabilities."""
    unknown = sorted(set(probabilities) - set(EMOTIONS))
    if unknown:
        raise InvalidProbabilities(
            f"unknown emotion(s) {unknown}; expected some of {list(EMOTIONS)}",
            details={"allowed": list(EMOTIONS)},
        )
    vector = {emotion: float(probabilities.get(emotion, 0.0)) for emotion in EMOTIONS}
    if any(not 0.0 <= p <= 1.0 for p in vector.values()):
        raise InvalidProbabilities(
            "every probability must lie between 0 and 1", details={"allowed": list(EMOTIONS)}
        )
    total = sum(vector.values())
    if abs(total - 1.0) > PROBABILITY_SUM_TOLERANCE:
        raise InvalidProbabilities(
            f"probabilities sum to {total:.4f}, not 1", details={"allowed": list(EMOTIONS)}
        )
    return vector


def one_hot(emotion: Emotion) -> dict[Emotion, float]:
    return {e: 1.0 if e == emotion else 0.0 for e in EMOTIONS}


def dominant(vector: Mapping[Emotion, float]) -> Emotion:
    # Ties go to the earlier label so the answer never depends on dict order.
    return max(EMOTIONS, key=lambda e: (vector[e], -EMOTIONS.index(e)))


def target_point(vector: Mapping[Emotion, float], policy: Policy) -> MoodPoint:
    """The probability-weighted blend of the policy's emotion points (not just the arg-max's)."""
    points = POLICY_POINTS[policy]
    total = sum(vector.values())
    valence = sum(p * points[e].valence for e, p in vector.items()) / total
    energy = sum(p * points[e].energy for e, p in vector.items()) / total
    return MoodPoint(valence=round(valence, 6), energy=round(energy, 6))


def rank_clusters(target: MoodPoint, cluster_points: Mapping[int, MoodPoint]) -> list[tuple[int, float]]:
    """Clusters by Euclidean distance of their centroid's (valence, energy) to the target, nearest first."""
    distances = [
        (cluster, ((p.valence - target.valence) ** 2 + (p.energy - target.energy) ** 2) ** 0.5)
        for cluster, p in cluster_points.items()
    ]
    return sorted(distances, key=lambda item: (item[1], item[0]))


def emotion_vector(*, emotion: str | None, probabilities: Mapping[str, float] | None) -> dict[Emotion, float]:
    """Exactly one of an emotion's name or a probability vector, as a complete vector."""
    if (emotion is None) == (probabilities is None):
        raise InvalidProbabilities("give exactly one of `emotion` or `probabilities`")
    if emotion is not None:
        if emotion not in set(EMOTIONS):
            raise UnknownEmotion(
                f"unknown emotion {emotion!r}; expected one of {', '.join(EMOTIONS)}",
                details={"allowed": list(EMOTIONS)},
            )
        return one_hot(Emotion(emotion))
    assert probabilities is not None
    return validate_probabilities(probabilities)


@dataclass(frozen=True)
class MoodPlan:
    probabilities: dict[Emotion, float]
    dominant: Emotion
    policy: Policy
    target: MoodPoint
    ranked: list[tuple[int, float]]  # every cluster with its distance to the target, nearest first
    chosen: list[int]  # the clusters tracks are drawn from, nearest first


def plan(
    *,
    vector: dict[Emotion, float],
    policy: Policy,
    cluster_points: Mapping[int, MoodPoint],
    fallback_margin: float,
) -> MoodPlan:
    """Aim at the blended target; draw from the nearest cluster, then from any almost as near."""
    target = target_point(vector, policy)
    ranked = rank_clusters(target, cluster_points)
    nearest = ranked[0][1]
    chosen = [c for c, distance in ranked if distance <= nearest + fallback_margin]
    return MoodPlan(
        probabilities=vector,
        dominant=dominant(vector),
        policy=policy,
        target=target,
        ranked=ranked,
        chosen=chosen,
    )


def pool_size(vector: Mapping[Emotion, float], *, widest: int, tightest: int) -> int:
    """How many of the tracks nearest the target the first song is chosen from: `widest` for a face
    that reads every emotion alike, `tightest` for one emotion at probability 1, linear in between.

    A sure face's target is a precise reading of its mood, so its songs keep close to it; an unsure
    face's blend is a compromise, and a wider pool lets popularity weigh more.
    """
    floor = 1 / len(vector)
    certainty = (max(vector.values()) - floor) / (1 - floor)
    return round(widest - (widest - tightest) * min(max(certainty, 0.0), 1.0))


def policy_tables(cluster_points: Mapping[int, MoodPoint]) -> dict[Policy, dict[Emotion, MoodPlan]]:
    """For every policy and emotion, the plan of a certain (one-hot) face: what the manifest records."""
    return {
        policy: {
            emotion: plan(
                vector=one_hot(emotion), policy=policy, cluster_points=cluster_points, fallback_margin=0.0
            )
            for emotion in EMOTIONS
        }
        for policy in Policy
    }

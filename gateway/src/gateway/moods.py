"""Whose mood counts, and the reasons in plain words.

A photo can hold several faces. The mood is one face's (numbered largest first; the largest by
default) or the group's: every face's probability vector blended, each weighted by its share of the
faces' total box area. Area, because the faces nearest the camera (the largest) are the people the
photo is about, and a face twice as wide holds four times the pixels the model read.
"""

from collections.abc import Sequence

from gateway.errors import NoSuchFace
from moodtune_contracts.analysis import FaceEmotion
from moodtune_contracts.emotions import ADJECTIVES, EMOTIONS, Emotion
from moodtune_contracts.mood import NEGATIVE_EMOTIONS, Policy
from moodtune_contracts.recommendations import Explanation


def face_weights(faces: Sequence[FaceEmotion]) -> list[float]:
    """Each face's share of the group: its box area over all the faces' area (they sum to 1)."""
    areas = [max(face.box.width * face.box.height, 1) for face in faces]
    total = sum(areas)
    return [area / total for area in areas]


def blend(faces: Sequence[FaceEmotion], weights: Sequence[float]) -> dict[str, float]:
    """The group's probability vector: the faces' vectors, weighted (in the canonical label order)."""
    return {
        emotion.value: round(
            sum(w * face.probabilities[emotion.value] for face, w in zip(faces, weights, strict=True)), 6
        )
        for emotion in EMOTIONS
    }


def chosen_face(faces: Sequence[FaceEmotion], number: int) -> FaceEmotion:
    """Face `number` (1 = the largest), or a 422 naming how many there are."""
    if number > len(faces):
        raise NoSuchFace(
            f"face {number} was asked for, but the photo has {len(faces)} face(s)",
            details={"face_number": number, "faces_found": len(faces)},
        )
    return faces[number - 1]


def why(*, emotion: Emotion, explanation: Explanation, policy: Policy, group: bool) -> str:
    """E.g. "You look sad, so here is mellow and moderate, acoustic music to lift your mood — most
    popular first." The numbers behind it are in `explanation`."""
    subject = "Together you look" if group else "You look"
    chosen = next(c for c in explanation.clusters if c.chosen)
    music = chosen.label.replace(" & ", " and ")
    if policy is Policy.UPLIFT and emotion in NEGATIVE_EMOTIONS:
        purpose = "to lift your mood" if not group else "to lift the mood"
    else:
        purpose = "to match it"
    return f"{subject} {ADJECTIVES[emotion]}, so here is {music} music {purpose} — most popular first."

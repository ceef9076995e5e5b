"""The seven FER2013 emotions and their one canonical order (model outputs follow it)."""

from enum import StrEnum


class Emotion(StrEnum):
    ANGRY = "angry"
    DISGUST = "disgust"
    FEAR = "fear"
    HAPPY = "happy"
    NEUTRAL = "neutral"
    SAD = "sad"
    SURPRISE = "surprise"


# Alphabetical, the order of FER2013's image-folder release: index i of every probability vector
# (model output, API payloads) is EMOTIONS[i].
EMOTIONS: tuple[Emotion, ...] = tuple(Emotion)
# The same order as plain strings, as model cards and reports list them.
EMOTION_LABELS: tuple[str, ...] = tuple(e.value for e in EMOTIONS)

# The canonical fer2013.csv numbers its classes differently (0..6 below); loaders translate through this.
FER2013_CSV_INDEX: tuple[Emotion, ...] = (
    Emotion.ANGRY,
    Emotion.DISGUST,
    Emotion.FEAR,
    Emotion.HAPPY,
    Emotion.SAD,
    Emotion.SURPRISE,
    Emotion.NEUTRAL,
)

# How people say it: "you look <adjective>" (the page's headline, the plain-words reasons).
ADJECTIVES: dict[Emotion, str] = {
    Emotion.ANGRY: "angry",
    Emotion.DISGUST: "disgusted",
    Emotion.FEAR: "afraid",
    Emotion.HAPPY: "happy",
    Emotion.NEUTRAL: "calm",
    Emotion.SAD: "sad",
    Emotion.SURPRISE: "surprised",
}

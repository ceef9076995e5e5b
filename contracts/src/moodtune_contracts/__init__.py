"""Contracts shared by every Moodtune part: defined here once, imported everywhere else."""

from moodtune_contracts.emotions import EMOTIONS, Emotion

__all__ = ["EMOTIONS", "Emotion"]

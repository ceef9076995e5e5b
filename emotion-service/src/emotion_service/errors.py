"""The emotion-service's domain errors (image errors are shared: moodtune_contracts.errors); the app
maps them to HTTP through the shared handler."""

from moodtune_contracts.errors import MoodtuneError


class ModelError(MoodtuneError):
    """The artifact cannot be served (missing, unreadable, or not the promised contract)."""

    status_code = 503
    code = "model_unavailable"


class TooManyImages(MoodtuneError):
    status_code = 413
    code = "too_many_images"

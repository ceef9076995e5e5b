"""The one error shape every Moodtune service answers with, and the domain error it comes from."""

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. `unknown_emotion`")
    message: str = Field(description="what went wrong, for a person")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorResponse(BaseModel):
    error: ErrorDetail
    request_id: str | None = None


class MoodtuneError(Exception):
    """A failure a caller can act on. Domain code raises subclasses; each app maps them to HTTP once."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the body (none unless a subclass says)."""
        return {}

    def to_response(self, request_id: str | None) -> ErrorResponse:
        return ErrorResponse(
            error=ErrorDetail(code=self.code, message=self.message, details=self.details),
            request_id=request_id,
        )


class InvalidInput(MoodtuneError):
    status_code = 422
    code = "invalid_input"


# Mood errors: raised by the mood mapping (mood.py) wherever it runs.
class UnknownEmotion(InvalidInput):
    code = "unknown_emotion"


class InvalidProbabilities(InvalidInput):
    """A probability vector that is not a distribution over the seven emotions."""

    code = "invalid_probabilities"


class NotReady(MoodtuneError):
    status_code = 503
    code = "not_ready"


class Overloaded(MoodtuneError):
    """Busy: the work already queued would not be done within the service's bounded wait. Raised by
    the emotion-service before it decodes anything, and passed on as such by the gateway; the
    caller should retry after `Retry-After` seconds (never at once: that is what overloads it)."""

    status_code = 503
    code = "overloaded"

    def __init__(self, message: str, *, retry_after_s: int, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s, **(details or {})})
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        # Connection: close: a caller that honours Retry-After comes back after seconds, about when
        # the server's keep-alive timeout closes an idle connection; reusing it then can meet a reset
        # instead of an answer. Closed now, the caller comes back on a new connection.
        return {"Retry-After": str(self.retry_after_s), "Connection": "close"}


# Image errors: raised by the emotion-service (faces.py) and by the gateway, which has no OpenCV.
class UnsupportedImage(MoodtuneError):
    status_code = 415
    code = "unsupported_image"


class CorruptImage(MoodtuneError):
    status_code = 422
    code = "corrupt_image"


class ImageTooLarge(MoodtuneError):
    status_code = 413
    code = "image_too_large"

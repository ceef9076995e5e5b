"""The gateway's domain errors (upstream services and Spotify); the app maps them to HTTP through the
shared handler."""

from typing import Any

from moodtune_contracts.errors import InvalidInput, MoodtuneError


class UpstreamUnavailable(MoodtuneError):
    status_code = 503
    code = "upstream_unavailable"


class UpstreamTimeout(MoodtuneError):
    status_code = 504
    code = "upstream_timeout"


class UpstreamFailed(MoodtuneError):
    status_code = 502
    code = "upstream_error"


class UpstreamRejected(MoodtuneError):
    """A service's own 4xx, passed on with its status, code and message."""

    def __init__(
        self, *, service: str, status_code: int, code: str, message: str, details: dict[str, Any]
    ) -> None:
        super().__init__(message, details={**details, "service": service})
        self.status_code = status_code
        self.code = code


class SpotifyUnauthorized(MoodtuneError):
    status_code = 401
    code = "spotify_unauthorized"


class SpotifyForbidden(MoodtuneError):
    status_code = 403
    code = "spotify_forbidden"


class SpotifyRateLimited(MoodtuneError):
    status_code = 503
    code = "spotify_rate_limited"


class SpotifyUnavailable(MoodtuneError):
    status_code = 503
    code = "spotify_unavailable"


class SpotifyRejected(MoodtuneError):
    status_code = 422
    code = "spotify_rejected"


class NoSuchFace(InvalidInput):
    code = "no_such_face"

"""Security headers on every answer: the page's Content-Security-Policy, no sniffing, no framing,
no referrer.

The page (gateway) loads only its own script and style, shows the photo the user picked from a
blob: URL, and embeds Spotify's player in an iframe. The /docs and /redoc pages load their assets
from the service itself (moodtune_service_kit.docs) but start with an inline script, and ReDoc
runs a worker from a blob: URL, so they get a policy of their own; nothing comes from elsewhere.
"""

from collections.abc import Sequence

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'{connect}; frame-src https://open.spotify.com; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")

COMMON_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
_DOCS = [*COMMON_HEADERS, (b"content-security-policy", DOCS_POLICY.encode())]


class SecurityHeaders:
    """The headers for each answer. `connect_sources`: origins the page may also fetch from
    (the gateway's page exchanges a Spotify login code for a token at Spotify's accounts service)."""

    def __init__(self, connect_sources: Sequence[str] = ()) -> None:
        connect = "".join(f" {source}" for source in connect_sources)
        self.page = [
            *COMMON_HEADERS,
            (b"content-security-policy", PAGE_POLICY.format(connect=connect).encode()),
        ]

    def for_path(self, path: str) -> list[tuple[bytes, bytes]]:
        return _DOCS if path.startswith(DOCS_PATHS) else self.page

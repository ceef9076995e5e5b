"""Save tracks as a playlist in the user's Spotify account, with the caller's OAuth token.

The gateway keeps no credentials: the token comes with the request and is used for that request
only. spotipy is synchronous, so calls run in a worker thread.
"""

import asyncio
from typing import Any

import requests
import spotipy

from gateway.errors import (
    SpotifyForbidden,
    SpotifyRateLimited,
    SpotifyRejected,
    SpotifyUnauthorized,
    SpotifyUnavailable,
)
from gateway.schemas import Playlist, PlaylistRequest
from moodtune_contracts.errors import MoodtuneError


def _create(request: PlaylistRequest, *, token: str, api_url: str, timeout_s: float) -> Playlist:
    client = spotipy.Spotify(auth=token, requests_timeout=timeout_s, retries=0, status_retries=0)
    client.prefix = api_url  # Spotify's API, or a stand-in in tests
    try:
        user = client.current_user()
        created: dict[str, Any] = client.user_playlist_create(
            user["id"], request.name, public=request.public, description=request.description
        )
        client.playlist_add_items(created["id"], [f"spotify:track:{t}" for t in request.track_ids])
    except spotipy.SpotifyException as exc:
        raise _translate(exc) from exc
    except requests.RequestException as exc:
        raise SpotifyUnavailable(f"Spotify could not be reached ({type(exc).__name__})") from exc
    url = (
        created.get("external_urls", {}).get("spotify")
        or f"https://open.spotify.com/playlist/{created['id']}"
    )
    return Playlist(id=created["id"], url=url, tracks_added=len(request.track_ids))


def _translate(exc: spotipy.SpotifyException) -> MoodtuneError:
    message = f"Spotify said: {exc.msg}"
    if exc.http_status == 401:
        return SpotifyUnauthorized("the Spotify access token is invalid or expired; sign in again")
    if exc.http_status == 403:
        return SpotifyForbidden(f"{message} (the token lacks the playlist-modify scopes?)")
    if exc.http_status == 429:
        retry_after = (exc.headers or {}).get("Retry-After")
        return SpotifyRateLimited(
            "Spotify is rate-limiting; try again later", details={"retry_after": retry_after}
        )
    if exc.http_status and 400 <= exc.http_status < 500:
        return SpotifyRejected(message, details={"status": exc.http_status})
    return SpotifyUnavailable(message, details={"status": exc.http_status})


async def create_playlist(
    request: PlaylistRequest, *, token: str, api_url: str, timeout_s: float
) -> Playlist:
    return await asyncio.to_thread(_create, request, token=token, api_url=api_url, timeout_s=timeout_s)

"""POST /playlists: save tracks to the caller's Spotify account with their own access token."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.api.deps import SettingsDep
from gateway.errors import SpotifyUnauthorized
from gateway.playlists import create_playlist
from gateway.schemas import Playlist, PlaylistRequest
from moodtune_contracts.errors import ErrorResponse

router = APIRouter(tags=["playlists"])
# A security scheme in the spec (generated clients take the token as credentials, Swagger UI shows
# "Authorize"); auto_error off so a missing token gets our own 401 in the one error shape.
spotify_token = HTTPBearer(
    scheme_name="spotifyToken",
    description="the user's Spotify OAuth access token (scope playlist-modify-private or -public)",
    auto_error=False,
)

PLAYLIST_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing, invalid or expired Spotify token"},
    403: {"model": ErrorResponse, "description": "The token may not create playlists"},
    422: {"model": ErrorResponse, "description": "Invalid request, or Spotify refused it"},
    503: {"model": ErrorResponse, "description": "Spotify is unreachable or rate-limiting"},
}


@router.post(
    "/playlists",
    operation_id="createPlaylist",
    response_model=Playlist,
    status_code=201,
    responses=PLAYLIST_ERRORS,
    summary="Save tracks as a playlist in the user's Spotify account",
    description="Send the user's Spotify OAuth access token (scope playlist-modify-private or -public) as "
    "`Authorization: Bearer <token>`. Moodtune uses it for this request only and stores nothing.",
)
async def save_playlist(
    body: PlaylistRequest,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(spotify_token)],
) -> Playlist:
    if credentials is None or not credentials.credentials.strip():
        raise SpotifyUnauthorized("send the Spotify access token as `Authorization: Bearer <token>`")
    return await create_playlist(
        body,
        token=credentials.credentials.strip(),
        api_url=settings.spotify_api_url,
        timeout_s=settings.spotify_timeout_s,
    )

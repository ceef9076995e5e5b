"""Playlist export through spotipy against a fake of Spotify's Web API on loopback."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from support.fakes import fake_spotify, serve_in_thread
from support.services import start_gateway


@pytest.fixture(scope="module")
def spotify() -> Iterator[tuple[str, dict[str, Any]]]:
    app, state = fake_spotify()
    with serve_in_thread(app) as url:
        yield url, state


@pytest.fixture(scope="module")
def gateway(spotify: tuple[str, dict[str, Any]]) -> Iterator[str]:
    with start_gateway(GATEWAY_SPOTIFY_API_URL=f"{spotify[0]}/v1/") as gw:
        yield gw


def save(gateway: str, token: str | None, **body: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = {
        "name": "Lift me up",
        "track_ids": ["4uLU6hMCjMI75M1A2tKUQC", "7qiZfU4dY1lWllzX7mPBI3"],
        **body,
    }
    return httpx.post(f"{gateway}/playlists", json=payload, headers=headers, timeout=30)


def test_tracks_are_saved_as_a_private_playlist_with_the_callers_token_fake_spotify(
    gateway: str, spotify: tuple[str, dict[str, Any]]
) -> None:
    response = save(gateway, "good")
    assert response.status_code == 201
    body = response.json()
    assert body["tracks_added"] == 2 and body["url"] == f"https://open.spotify.com/playlist/{body['id']}"
    playlist = spotify[1]["playlists"][body["id"]]
    assert (
        playlist["user"] == "listener1" and playlist["public"] is False and playlist["name"] == "Lift me up"
    )
    assert playlist["uris"] == [
        "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
        "spotify:track:7qiZfU4dY1lWllzX7mPBI3",
    ]


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        (None, 401, "spotify_unauthorized"),
        ("expired", 401, "spotify_unauthorized"),
        ("readonly", 403, "spotify_forbidden"),
        ("busy", 503, "spotify_rate_limited"),
    ],
)
def test_spotify_failures_are_clear_errors_fake_spotify(
    gateway: str, token: str | None, status: int, code: str
) -> None:
    response = save(gateway, token)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_spotify_unreachable_is_503() -> None:
    from support.processes import free_port

    with start_gateway(GATEWAY_SPOTIFY_API_URL=f"http://127.0.0.1:{free_port()}/v1/") as gw:
        response = save(gw, "good")
    assert response.status_code == 503 and response.json()["error"]["code"] == "spotify_unavailable"


def test_empty_track_list_is_422(gateway: str) -> None:
    response = save(gateway, "good", track_ids=[])
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"

"""The recommender over real HTTP: uvicorn in its own process on loopback."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.processes import free_port, running_service


@pytest.fixture(scope="module")
def base_url(synthetic_catalog: Path) -> Iterator[str]:
    port = free_port()
    env = {"RECOMMENDER_PORT": str(port), "RECOMMENDER_CATALOG_PATH": str(synthetic_catalog)}
    with running_service("recommender_service", env=env, port=port) as url:
        yield url


def post(base_url: str, body: dict[str, object], **kwargs: object) -> httpx.Response:
    return httpx.post(f"{base_url}/v1/recommendations", json=body, timeout=10, **kwargs)  # type: ignore[arg-type]


def test_recommend_returns_ranked_tracks_with_explanation(base_url: str) -> None:
    response = post(base_url, {"emotion": "sad", "policy": "uplift", "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["emotion"] == "sad" and body["policy"] == "uplift" and len(body["tracks"]) == 5
    assert [t["popularity"] for t in body["tracks"]] == sorted(
        (t["popularity"] for t in body["tracks"]), reverse=True
    )
    assert body["explanation"]["target"] == {"valence": 0.75, "energy": 0.55}
    assert body["tracks"][0]["spotify_url"].startswith("https://open.spotify.com/track/")
    assert set(body["tracks"][0]["features"]) >= {"valence", "energy", "tempo"}


def test_recommend_takes_the_ranking_a_seed_and_the_non_music_choice(base_url: str) -> None:
    mood = post(base_url, {"emotion": "sad", "limit": 5, "seed": 3}).json()
    assert mood["explanation"]["ranking"] == "mood" and mood["explanation"]["seed"] == 3
    assert mood["explanation"]["pool"]["size"] > 0 and mood["explanation"]["non_music_left_out"] is True
    again = post(base_url, {"emotion": "sad", "limit": 5, "seed": 3}).json()
    assert [t["id"] for t in again["tracks"]] == [t["id"] for t in mood["tracks"]]
    study = post(
        base_url, {"emotion": "sad", "limit": 5, "ranking": "study", "include_non_music": False}
    ).json()
    assert study["explanation"]["ranking"] == "study" and study["explanation"]["pool"] is None
    assert study["explanation"]["non_music_left_out"] is True
    assert all(t["non_music"] is None for t in study["tracks"])


@pytest.mark.parametrize(
    ("body", "field"),
    [({"emotion": "sad", "ranking": "random"}, "ranking"), ({"emotion": "sad", "seed": -1}, "seed")],
)
def test_recommend_rejects_an_unknown_ranking_or_a_negative_seed(
    base_url: str, body: dict[str, object], field: str
) -> None:
    response = post(base_url, body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and field in error["message"]


def test_recommend_rejects_unknown_emotion(base_url: str) -> None:
    response = post(base_url, {"emotion": "bored"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_emotion" and "angry, disgust" in error["message"]


def test_recommend_rejects_probabilities_that_do_not_sum_to_one(base_url: str) -> None:
    response = post(base_url, {"probabilities": {"sad": 0.3, "happy": 0.3}})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_probabilities"
    assert "sum to 0.6000" in response.json()["error"]["message"]


def test_recommend_rejects_an_unknown_genre(base_url: str) -> None:
    response = post(base_url, {"emotion": "happy", "genres": ["popp"]})
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "unknown_genre",
        "message": "unknown genre 'popp'; did you mean pop?",
        "details": {"suggestions": ["pop"]},
    }


@pytest.mark.parametrize(
    "body",
    [{"emotion": "sad", "limit": 0}, {"emotion": "sad", "limit": 101}, {"emotion": "sad", "colour": "blue"}],
)
def test_recommend_rejects_out_of_range_or_unknown_fields(base_url: str, body: dict[str, object]) -> None:
    response = post(base_url, body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_recommend_rejects_a_body_that_is_not_json(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/v1/recommendations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_request_id_is_echoed_or_made(base_url: str) -> None:
    given = post(base_url, {"emotion": "sad"}, headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = post(base_url, {"emotion": "bored"})
    assert len(made.headers["x-request-id"]) == 32
    assert made.json()["request_id"] == made.headers["x-request-id"]


def test_clusters_lists_profiles_and_mapping(base_url: str) -> None:
    body = httpx.get(f"{base_url}/v1/clusters").json()
    assert len(body["clusters"]) == 4
    assert set(body["emotion_mapping"]["match"]) == {
        "angry",
        "disgust",
        "fear",
        "happy",
        "neutral",
        "sad",
        "surprise",
    }


def test_health_readiness_and_metrics(base_url: str) -> None:
    assert httpx.get(f"{base_url}/healthz").json() == {"status": "ok", "service": "recommender-service"}
    ready = httpx.get(f"{base_url}/readyz").json()
    assert ready["ready"] is True and ready["details"]["tracks"] == 240
    post(base_url, {"emotion": "happy"})
    metrics = httpx.get(f"{base_url}/metrics").text
    assert (
        'http_requests_total{method="POST",route="/v1/recommendations",service="recommender-service",status="200"}'
        in metrics
    )
    assert "catalog_tracks" in metrics


def test_unknown_route_gets_the_error_shape(base_url: str) -> None:
    response = httpx.get(f"{base_url}/v1/nope")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_serves_the_committed_catalog_on_default_settings() -> None:
    port = free_port()
    with running_service("recommender_service", env={"RECOMMENDER_PORT": str(port)}, port=port) as url:
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["details"]["catalog"].startswith("spotify-tracks-114k@")
        body = httpx.post(f"{url}/v1/recommendations", json={"emotion": "happy", "limit": 3}).json()
        assert len(body["tracks"]) == 3 and body["tracks"][0]["popularity"] >= 80


def test_refuses_to_start_without_a_catalog(tmp_path: Path) -> None:
    port = free_port()
    env = {"RECOMMENDER_PORT": str(port), "RECOMMENDER_CATALOG_PATH": str(tmp_path)}
    with (
        pytest.raises(RuntimeError, match="not a catalog artifact"),
        running_service("recommender_service", env=env, port=port),
    ):
        pass

"""The OpenAPI spec is a product: committed, kept in step with the code, and good enough to generate
a Python client that really works against the running stack."""

import importlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gateway.openapi import render
from support.faces import image_bytes, scene_with_faces
from support.paths import REPO
from support.stack import LocalStack

SPEC = REPO / "gateway" / "openapi.json"


def test_committed_spec_matches_the_code() -> None:
    assert json.loads(SPEC.read_text()) == json.loads(render()), (
        "gateway/openapi.json is stale: run `make openapi` and commit it"
    )


def test_spec_has_tags_operation_ids_error_models_and_binary_upload() -> None:
    spec: dict[str, Any] = json.loads(SPEC.read_text())
    post = spec["paths"]["/recommend"]["post"]
    assert post["operationId"] == "recommend" and post["tags"] == ["recommend"]
    assert {"200", "413", "415", "422", "502", "503", "504"} <= set(post["responses"])
    error_schema = post["responses"]["503"]["content"]["application/json"]["schema"]["$ref"]
    assert error_schema.endswith("/ErrorResponse")
    body_ref = post["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert spec["components"]["schemas"][body_ref]["properties"]["image"]["format"] == "binary"
    assert spec["paths"]["/playlists"]["post"]["operationId"] == "createPlaylist"


def test_spec_names_its_server_and_the_spotify_token_as_a_bearer_scheme() -> None:
    from gateway.main import create_app
    from gateway.settings import Settings

    spec: dict[str, Any] = json.loads(SPEC.read_text())
    assert spec["servers"] == [{"url": "/", "description": "the gateway serving this spec"}]
    scheme = spec["components"]["securitySchemes"]["spotifyToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    playlists = spec["paths"]["/playlists"]["post"]
    assert playlists["security"] == [{"spotifyToken": []}]
    assert not [p for p in playlists.get("parameters", []) if p["name"].lower() == "authorization"]
    deployed = create_app(Settings(public_url="https://moodtune.example.com/")).openapi()
    assert deployed["servers"][0]["url"] == "https://moodtune.example.com"


def test_a_generated_client_runs_a_real_recommend(
    services: LocalStack, tmp_path: Path, detectable_faces: list[bytes]
) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        [
            Path(sys.executable).parent / "openapi-python-client",
            "generate",
            "--path",
            str(SPEC),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "moodtune_client"),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    sys.path.insert(0, str(tmp_path))
    try:
        client_module = importlib.import_module("moodtune_client")
        recommend = importlib.import_module("moodtune_client.api.recommend.recommend")
        models = importlib.import_module("moodtune_client.models")
        types = importlib.import_module("moodtune_client.types")

        photo = image_bytes(scene_with_faces(detectable_faces[:1]), "JPEG", quality=92)
        body = models.BodyRecommend(
            image=types.File(payload=io.BytesIO(photo), file_name="me.jpg", mime_type="image/jpeg")
        )
        with client_module.Client(base_url=services.gateway, timeout=None) as client:
            result = recommend.sync_detailed(client=client, body=body, limit=5, policy=models.Policy.UPLIFT)
        assert result.status_code == 200, result.content
        parsed = result.parsed
        assert isinstance(parsed, models.Recommendation)
        assert len(parsed.tracks) == 5 and parsed.tracks[0].spotify_url.startswith(
            "https://open.spotify.com/track/"
        )
        assert parsed.policy == models.Policy.UPLIFT

        with client_module.Client(base_url=services.gateway) as client:
            bad = models.BodyRecommend(
                image=types.File(payload=io.BytesIO(b"nope"), file_name="x.txt", mime_type="text/plain")
            )
            error = recommend.sync_detailed(client=client, body=bad)
        assert error.status_code == 415 and isinstance(error.parsed, models.ErrorResponse)
        assert error.parsed.error.code == "unsupported_image"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("moodtune_client")]:
            del sys.modules[name]

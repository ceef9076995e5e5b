"""Stand-ins for what cannot exist here, served over real HTTP on loopback: a misbehaving upstream
service (down, slow, failing), the few Spotify Web API endpoints a playlist export uses and
Spotify's accounts service (the page's login)."""

import base64
import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.middleware.cors import CORSMiddleware

from support.processes import free_port


@contextlib.contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("fake server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def misbehaving_service(
    *, status: int = 200, delay_s: float = 0.0, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[FastAPI, list[dict[str, str]]]:
    """Answers every POST with `status`, `body` and `headers` after `delay_s`; records each request's
    headers (and its body, under the key "body", decoded as latin-1; its path under "path")."""
    app = FastAPI()
    seen: list[dict[str, str]] = []

    @app.get("/readyz")
    async def readyz() -> dict[str, bool]:
        return {"ready": True}

    @app.post("/{path:path}")
    async def anything(path: str, request: Request) -> JSONResponse:
        seen.append(
            {**request.headers, "body": (await request.body()).decode("latin-1"), "path": request.url.path}
        )
        if delay_s:
            import asyncio

            await asyncio.sleep(delay_s)
        return JSONResponse(
            status_code=status,
            content=body if body is not None else {"error": {"code": "x", "message": "x"}},
            headers=headers,
        )

    return app, seen


def fake_spotify() -> tuple[FastAPI, dict[str, Any]]:
    """GET /v1/me/, POST /v1/users/{id}/playlists, POST /v1/playlists/{id}/items (as spotipy 2.26 calls them).

    Tokens: `good` works; `expired` gets 401; `busy` gets 429 with Retry-After; `readonly` gets 403.
    And the accounts service's authorization-code flow with PKCE (GET /authorize, POST /api/token):
    the user always consents; the code is exchanged for `good` only with the verifier whose
    SHA-256 was the challenge, for the same client id and redirect URI.
    """
    app = FastAPI()
    state: dict[str, Any] = {"playlists": {}, "tokens": [], "authorizations": {}}
    # Spotify's accounts service answers browsers on any origin (the page exchanges its code there).
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["POST"], allow_headers=["*"])

    @app.get("/authorize")
    async def authorize(
        client_id: str,
        response_type: str,
        redirect_uri: str,
        code_challenge: str,
        code_challenge_method: str,
        state_token: Annotated[str, Query(alias="state")] = "",
    ) -> RedirectResponse:
        code = f"code{len(state['authorizations']) + 1}"
        state["authorizations"][code] = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "challenge": code_challenge,
            "method": code_challenge_method,
            "response_type": response_type,
        }
        return RedirectResponse(
            f"{redirect_uri}?{urlencode({'code': code, 'state': state_token})}", status_code=302
        )

    @app.post("/api/token")
    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        grant = state["authorizations"].pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", "")).encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        if (
            grant is None
            or grant["method"] != "S256"
            or grant["challenge"] != challenge
            or grant["client_id"] != form.get("client_id")
            or grant["redirect_uri"] != form.get("redirect_uri")
            or form.get("grant_type") != "authorization_code"
        ):
            return JSONResponse(status_code=400, content={"error": "invalid_grant"})
        return JSONResponse({"access_token": "good", "token_type": "Bearer", "expires_in": 3600})

    def check(request: Request) -> JSONResponse | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        state["tokens"].append(token)
        if token == "expired":
            return JSONResponse(
                status_code=401, content={"error": {"status": 401, "message": "The access token expired"}}
            )
        if token == "busy":
            return JSONResponse(
                status_code=429,
                headers={"Retry-After": "7"},
                content={"error": {"status": 429, "message": "API rate limit exceeded"}},
            )
        if token == "readonly" and request.method == "POST":
            return JSONResponse(
                status_code=403, content={"error": {"status": 403, "message": "Insufficient client scope"}}
            )
        return None

    @app.get("/v1/me/")
    async def me(request: Request) -> Any:
        return check(request) or {"id": "listener1", "display_name": "Listener"}

    @app.post("/v1/users/{user}/playlists")
    async def create(user: str, request: Request) -> Any:
        if (denied := check(request)) is not None:
            return denied
        payload = await request.json()
        playlist_id = f"pl{len(state['playlists']) + 1}"
        state["playlists"][playlist_id] = {"user": user, **payload, "uris": []}
        return JSONResponse(
            status_code=201,
            content={
                "id": playlist_id,
                "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist_id}"},
            },
        )

    @app.post("/v1/playlists/{playlist_id}/items")
    async def add(playlist_id: str, request: Request) -> Any:
        if (denied := check(request)) is not None:
            return denied
        payload = await request.json()
        state["playlists"][playlist_id]["uris"] += payload if isinstance(payload, list) else payload["uris"]
        return JSONResponse(status_code=201, content={"snapshot_id": "s1"})

    return app, state

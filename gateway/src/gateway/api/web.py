"""The web page: plain HTML, CSS and JS shipped in the package (no build step), served by Starlette."""

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from starlette.staticfiles import StaticFiles

from gateway.api.deps import SettingsDep

router = APIRouter(include_in_schema=False)
WEB = files("gateway") / "web"


@router.get("/", response_class=HTMLResponse)
async def index() -> HTMLResponse:
    return HTMLResponse((WEB / "index.html").read_text(encoding="utf-8"))


class PageConfig(BaseModel):
    spotify_client_id: str | None
    spotify_accounts_url: str


@router.get("/page-config")
async def page_config(settings: SettingsDep) -> PageConfig:
    """What the page needs from the settings (a client id is public by design: PKCE has no secret)."""
    return PageConfig(
        spotify_client_id=settings.spotify_client_id,
        spotify_accounts_url=settings.spotify_accounts_url.rstrip("/"),
    )


def static_files() -> StaticFiles:
    """`/static/*`: the page's assets, from the installed package (no path ever leaves it)."""
    return StaticFiles(packages=[("gateway", "web")])

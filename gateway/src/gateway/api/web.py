"""The web page: plain HTML, CSS and JS shipped in the package (no build step), served by Starlette."""

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
WEB = files("gateway") / "web"


@router.get("/", response_class=HTMLResponse)
async def index() -> HTMLResponse:
    return HTMLResponse((WEB / "index.html").read_text(encoding="utf-8"))


def static_files() -> StaticFiles:
    """`/static/*`: the page's assets, from the installed package (no path ever leaves it)."""
    return StaticFiles(packages=[("gateway", "web")])

"""The web page: plain HTML, CSS and JS served from the package, no build step."""

from importlib.resources import files

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=False)
WEB = files("gateway") / "web"
TYPES = {"app.js": "text/javascript", "style.css": "text/css"}


@router.get("/", response_class=HTMLResponse)
async def index() -> HTMLResponse:
    return HTMLResponse((WEB / "index.html").read_text(encoding="utf-8"))


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in TYPES:  # a fixed list: no path is ever built from what the caller sends
        raise HTTPException(status_code=404, detail=f"no static file {name!r}")
    return Response((WEB / name).read_text(encoding="utf-8"), media_type=TYPES[name])

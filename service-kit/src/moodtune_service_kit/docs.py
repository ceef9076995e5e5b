"""`/docs` (Swagger UI) and `/redoc` that work offline: their scripts and styles are served by the
service itself, from the `fastapi-offline` wheel's bundled copies, instead of FastAPI's default CDN.

The HTML is FastAPI's own (`get_swagger_ui_html`, `get_redoc_html`); only the asset URLs change,
which is FastAPI's documented recipe for self-hosted docs assets.
"""

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/docs/assets"


def install_offline_docs(app: FastAPI) -> None:
    """Add `/docs`, `/docs/oauth2-redirect`, `/redoc` and their assets to an app made with
    `docs_url=None, redoc_url=None`."""
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"
    # StaticFiles(packages=...) resolves the folder inside the installed wheel: no path is configurable.
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} — API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} — API reference",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )

"""Adds the console to the gateway's app: its pages, its static files, the alarm sound, offline API docs.

Rule: nothing served here refers to another host. The OpenAPI page's Swagger UI files come from the
``fastapi-offline`` package installed with the gateway, never from a CDN, so ``/docs`` works on a
school LAN without internet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from ..users import LoginLimiter, UserBook
from . import actions, incident_forms, incident_pages, pages, tiles
from .config import ConsoleSettings
from .session import SessionBook
from .sound import alarm_wav

STATIC = Path(__file__).resolve().parent / "static"


def swagger_assets() -> Path:
    """The folder of Swagger UI's JS and CSS as the ``fastapi-offline`` package ships them."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def mount_console(app: FastAPI, console: ConsoleSettings, clock: Callable[[], float] = time.time) -> None:
    app.state.console = console
    app.state.users = UserBook(console.users_lines)
    app.state.sessions = SessionBook(console.session_s, clock)
    app.state.login_limiter = LoginLimiter(console.login_failures, console.login_window_s)
    app.include_router(pages.router)
    app.include_router(actions.router)
    app.include_router(incident_pages.router)
    app.include_router(incident_forms.router)
    app.state.tiles = tiles.Tiles()
    app.include_router(tiles.router)

    @app.get("/static/alarm.wav", include_in_schema=False)
    async def sound() -> Response:
        return Response(alarm_wav(), media_type="audio/wav", headers={"Cache-Control": "max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="console-static")
    app.mount("/static-docs", StaticFiles(directory=swagger_assets()), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/static-docs/swagger-ui-bundle.js",
            swagger_css_url="/static-docs/swagger-ui.css",
            swagger_favicon_url="/static-docs/favicon.png",
            # Swagger UI would otherwise ask a public validator about the schema.
            swagger_ui_parameters={"validatorUrl": None},
        )

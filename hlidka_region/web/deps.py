"""Request dependencies: the runtime, and the console session from its cookie."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..auth import token_hash
from ..runtime import Runtime
from ..store import SessionRow

API = "/api/v1"
SESSION_COOKIE = "hlidka_region_session"


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


async def current_session(request: Request, rt: RuntimeDep) -> SessionRow | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return await asyncio.to_thread(rt.store.session, token_hash(token), rt.clock())


class LoginRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to the login page."""


async def page_session(session: Annotated[SessionRow | None, Depends(current_session)]) -> SessionRow:
    if session is None:
        raise LoginRequired
    return session


async def api_session(session: Annotated[SessionRow | None, Depends(current_session)]) -> SessionRow:
    if session is None:
        raise HTTPException(401, "log in first")
    return session


PageUser = Annotated[SessionRow, Depends(page_session)]
ApiUser = Annotated[SessionRow, Depends(api_session)]

"""What every console form POST shares: the session and its CSRF token checked first, the write
audited, a redirect after.

Rule: nothing a form asks for happens before ``form_session`` has found the
session, checked its CSRF token and, where the form is not for everybody, its
role; a refusal is a page (login, or "forbidden" with the reason), never an
exception. Every write is appended to the audit log with who did it, as the
API's writes are.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from typing import Annotated, Any

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from ..runtime import Runtime
from .render import current, page, runtime
from .session import CsrfRefused, Session, check_csrf

#: The session's CSRF token, as every console form posts it.
CsrfField = Annotated[str, Form(max_length=64)]
#: "yes" when the person confirmed an action that changes something at the school.
ConfirmField = Annotated[str, Form(max_length=8)]


async def audit(rt: Runtime, actor: str, action: str, detail: dict[str, object], role: str = "-") -> None:
    text = json.dumps(detail, sort_keys=True, ensure_ascii=False)
    await asyncio.to_thread(rt.store.append_audit, actor or "-", role, action, text, rt.clock())


async def form_session(request: Request, csrf: str, roles: Collection[Any] | None = None) -> Session | Response:
    """The session a form was posted in, or the page that refuses it (no session, bad token, role)."""
    session = current(request)
    if session is None:
        return RedirectResponse("/login", 303)
    try:
        check_csrf(request, session, csrf)
    except CsrfRefused:
        return await page(request, "forbidden.html", session, 403, reason="csrf")
    if roles is not None and session.principal.role not in roles:
        return await page(request, "forbidden.html", session, 403)
    return session


async def audited_redirect(
    request: Request, session: Session, action: str, detail: dict[str, object], to: str
) -> Response:
    """A write done: append it to the audit log as the session's person, then send the browser on."""
    await audit(runtime(request), session.login, action, detail, session.principal.role.value)
    return RedirectResponse(to, 303)

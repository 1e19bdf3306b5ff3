"""Console sessions: an opaque id in an HttpOnly, SameSite=Strict cookie, a CSRF token per session.

Rule: a session authenticates reads of the operator API (GET) and the console's own forms; every
state-changing request must carry the session's CSRF token in its form, compared in constant time,
and, when the browser sends an ``Origin``, come from this very host. Bearer tokens stay for machines.
Sessions live in the gateway's memory: a restart logs everybody out, which is the safe side.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from fastapi import Request

from ..auth import Principal

COOKIE = "hlidka_session"
LOGIN_COOKIE = "hlidka_login"
LANG_COOKIE = "hlidka_lang"


class CsrfRefused(Exception):
    """A state-changing request without this session's CSRF token or from another origin."""


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    login: str
    principal: Principal
    csrf: str
    expires_at: float
    #: The crisis-plan role the person picked on an incident page (director, teacher, …), kept for the
    #: session so every incident opens on that person's own steps.
    plan_role: str | None = None


class SessionBook:
    def __init__(self, ttl_s: float, clock: Callable[[], float], max_sessions: int = 1000) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self.max_sessions = max_sessions
        self._by_id: dict[str, Session] = {}

    def open(self, login: str, principal: Principal) -> Session:
        now = self.clock()
        self._forget_expired(now)
        if len(self._by_id) >= self.max_sessions:
            oldest = min(self._by_id.values(), key=lambda s: s.expires_at)
            del self._by_id[oldest.id]
        session = Session(secrets.token_urlsafe(32), login, principal, secrets.token_urlsafe(32), now + self.ttl_s)
        self._by_id[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._by_id.get(session_id)
        if session is None:
            return None
        if session.expires_at <= self.clock():
            del self._by_id[session_id]
            return None
        return session

    def pick_plan_role(self, session_id: str, role: str) -> None:
        session = self._by_id.get(session_id)
        if session is not None:
            self._by_id[session_id] = replace(session, plan_role=role)

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._by_id.pop(session_id, None)

    def _forget_expired(self, now: float) -> None:
        for sid in [s.id for s in self._by_id.values() if s.expires_at <= now]:
            del self._by_id[sid]


def same_origin(request: Request) -> bool:
    """True unless the browser says the request comes from a page of another host."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check_csrf(request: Request, session: Session, token: str) -> None:
    if not same_origin(request):
        raise CsrfRefused("request from another origin")
    if not hmac.compare_digest(session.csrf.encode(), token.encode()):
        raise CsrfRefused("missing or wrong CSRF token")


def request_session(request: Request) -> Session | None:
    book: SessionBook | None = getattr(request.app.state, "sessions", None)
    if book is None:
        return None
    return book.get(request.cookies.get(COOKIE))


def cookie_principal(request: Request) -> Principal | None:
    """Who a console session belongs to, for the API's safe (read-only) methods only."""
    if request.method not in ("GET", "HEAD"):
        return None
    session = request_session(request)
    return session.principal if session else None

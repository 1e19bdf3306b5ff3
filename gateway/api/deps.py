"""Dependencies shared by the routers: the runtime and bearer-token authorisation.

Missing or unknown token: 401 with ``WWW-Authenticate: Bearer``; a known token
whose role may not do this: 403. A console session cookie stands in for the token
on GET requests only (the live page reads ``/site`` and ``/stream`` with it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hlidka_contract import Role

from ..auth import Principal
from ..console.session import cookie_principal
from ..runtime import Runtime

API = "/api/v1"
READ_ROLES = frozenset({Role.VIEWER, Role.OPERATOR, Role.INSTALLER, Role.ADMIN})
ACK_ROLES = frozenset({Role.OPERATOR, Role.ADMIN})
ADMIN_ROLES = frozenset({Role.ADMIN})

_bearer = HTTPBearer(auto_error=False, description="Token from the gateway's tokens file")


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


def principal(
    rt: RuntimeDep, request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if creds is None and (person := cookie_principal(request)) is not None:
        # A console session may read (GET) the same API; its actions go through CSRF-checked forms.
        return person
    if creds is None or creds.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    found = rt.tokens.lookup(creds.credentials)
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown token", headers={"WWW-Authenticate": "Bearer"})
    return found


def allow(roles: frozenset[Role]) -> Callable[[Principal], Principal]:
    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {who.role.value!r} may not do this ({allowed})")
        return who

    return check


Reader = Annotated[Principal, Depends(allow(READ_ROLES))]
Acker = Annotated[Principal, Depends(allow(ACK_ROLES))]
Admin = Annotated[Principal, Depends(allow(ADMIN_ROLES))]
AnyPerson = Annotated[Principal, Depends(principal)]

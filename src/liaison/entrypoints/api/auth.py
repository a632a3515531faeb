"""Who is calling: a person with a JWT access token, or a jail system with an API key.

Each route states the roles it admits with ``allow(...)``; agency scoping (a jail sees only
its own bookings) is checked by the route against ``Principal.ori``.

A token is trusted only as far as its account: on every request the account must still exist
and be neither disabled nor locked (read from the store at most every few seconds, see
``accounts.active``), and the caller acts with the roles the token names that the account
still holds. A token naming an unknown account or role gets 401, as a forged one does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Header, HTTPException, Request

from liaison.accounts import services as accounts
from liaison.accounts.errors import AccountError
from liaison.accounts.model import Role, User

__all__ = ["Principal", "allow", "issue_token"]

ALGORITHM = "HS256"


@dataclass(frozen=True)
class Principal:
    actor: str  # a username, or "jail:<ORI>:<key id>" for a jail system
    roles: frozenset[Role]
    ori: str | None  # the agency a booking officer or jail system belongs to


def issue_token(user: User, *, secret: str, now: datetime, ttl: timedelta) -> str:
    claims = {
        "sub": user.username,
        "roles": sorted(r.value for r in user.roles),
        "ori": user.ori,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status_code=401, detail=message, headers={"WWW-Authenticate": "Bearer"})


def principal(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    """The caller, from a bearer token or an API key; 401 when neither holds."""
    container = request.app.state.liaison
    if x_api_key:
        try:
            key = accounts.authenticate_key(
                uow=container.uow(), key=x_api_key, at=container.clock()
            )
        except AccountError as exc:
            raise _unauthorized(str(exc)) from exc
        return Principal(f"jail:{key.ori}:{key.key_id}", frozenset({Role.BOOKING_OFFICER}), key.ori)
    if not authorization or not authorization.lower().startswith("bearer "):
        raise _unauthorized("send a bearer token (POST /auth/token) or an X-API-Key")
    try:
        claims = jwt.decode(
            authorization[7:].strip(),
            container.jwt_secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("the access token has expired: log on again") from exc
    except jwt.InvalidTokenError as exc:
        raise _unauthorized(f"the access token is not valid: {exc}") from exc
    username, claimed = claims["sub"], claims.get("roles", [])
    if not isinstance(username, str) or not isinstance(claimed, list):
        raise _unauthorized("the access token is not valid: malformed claims")
    try:
        roles = frozenset(Role(r) for r in claimed)
    except ValueError as exc:
        raise _unauthorized("the access token is not valid: it names an unknown role") from exc
    user = container.active_accounts.user(
        uow=container.uow(), username=username, at=container.clock()
    )
    if user is None:  # unknown, disabled or locked: which, the caller need not learn
        raise _unauthorized("the access token's account cannot act now: log on again")
    return Principal(user.username, roles & frozenset(user.roles), user.ori)


def allow(*roles: Role) -> Callable[..., Principal]:
    """A dependency admitting callers that hold any of ``roles``; 403 for the rest."""
    admitted = frozenset(roles)

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.roles & admitted:
            names = ", ".join(sorted(r.value for r in admitted))
            raise HTTPException(status_code=403, detail=f"this needs one of the roles: {names}")
        return who

    return check

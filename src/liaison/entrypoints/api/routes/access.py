"""Logons, users and API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from liaison.accounts import services as accounts
from liaison.accounts.model import Role
from liaison.entrypoints.api.auth import Principal, allow, issue_token
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.schemas import ApiKeyIn, ApiKeyOut, TokenRequest, TokenResponse, UserIn
from liaison.jurisdictions import services as jurisdictions

router = APIRouter(tags=["access"])

Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]


@router.post("/auth/token")
def token(body: TokenRequest, wired: Wired) -> TokenResponse:
    """An access token for a person; five failed logons in a row lock the account."""
    now = wired.clock()
    user = accounts.authenticate(
        uow=wired.uow(), username=body.username, password=body.password, at=now
    )
    ttl = wired.token_ttl
    return TokenResponse(
        access_token=issue_token(user, secret=wired.jwt_secret, now=now, ttl=ttl),
        expires_in=int(ttl.total_seconds()),
    )


@router.post("/users", status_code=201)
def add_user(body: UserIn, who: Admin, wired: Wired) -> dict[str, str]:
    if body.ori is not None:
        jurisdictions.agency(uow=wired.uow(), ori=body.ori)  # UnknownAgency unless registered
    accounts.add_user(
        uow=wired.uow(),
        username=body.username,
        password=body.password,
        roles=body.roles,
        ori=body.ori,
        actor=who.actor,
        at=wired.clock(),
    )
    return {"username": body.username}


@router.post("/users/{username}/unlock")
def unlock(username: str, who: Admin, wired: Wired) -> dict[str, str]:
    accounts.unlock_user(uow=wired.uow(), username=username, actor=who.actor, at=wired.clock())
    return {"username": username}


@router.post("/api-keys", status_code=201)
def issue_key(body: ApiKeyIn, who: Admin, wired: Wired) -> ApiKeyOut:
    """A key for a jail system; the full key is shown once."""
    jurisdictions.agency(uow=wired.uow(), ori=body.ori)  # a key only for a registered agency
    key = accounts.issue_api_key(
        uow=wired.uow(), ori=body.ori, label=body.label, actor=who.actor, at=wired.clock()
    )
    return ApiKeyOut(key=key)

"""Logons, users and API keys.

``POST /auth/token`` takes JSON or a form (OAuth 2.0's password grant); every refusal reads the
same (401, one message), and failed logons are throttled per account, per source address and
at once (429 with ``Retry-After``). Administrators list, read, disable, enable, unlock and
reset users, and list and revoke jail systems' keys; every change is audited.
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from liaison.accounts import services as accounts
from liaison.accounts.errors import InvalidCredentials, LogonThrottled
from liaison.accounts.model import Role
from liaison.entrypoints.api.access_schemas import (
    ApiKeyListed,
    DisableIn,
    PasswordIn,
    TokenForm,
    UserOut,
)
from liaison.entrypoints.api.auth import Principal, allow, issue_token
from liaison.entrypoints.api.bounds import PathId
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.errors import ErrorOut
from liaison.entrypoints.api.listing import LIST_RESPONSES, PageQuery, listing
from liaison.entrypoints.api.schemas import ApiKeyIn, ApiKeyOut, TokenRequest, TokenResponse, UserIn
from liaison.jurisdictions import services as jurisdictions

router = APIRouter(tags=["access"])

Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]

FORM = "application/x-www-form-urlencoded"
ORI = r"^[A-Z]{2}[A-Z0-9]{7}$"
_FORM_FIELDS = 10  # more than a logon form has: refused, not parsed

_TOKEN_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {"schema": TokenRequest.model_json_schema()},
        FORM: {"schema": TokenForm.model_json_schema()},
    },
}
_LOGON_ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorOut,
        "description": "the logon is refused: the same answer for an unknown user, a wrong "
        "password and an account that is locked or disabled",
    },
    429: {
        "model": ErrorOut,
        "description": "too many failed logons for this account or from this address, or too "
        "many logons at once: wait the seconds `Retry-After` says",
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
    },
}


async def _credentials(request: Request) -> TokenRequest:
    """The username and password from a JSON body or a form; a 422 that names the fields at
    fault, never their values."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    try:
        if media == FORM:
            try:
                fields = parse_qsl(
                    raw.decode("utf-8"),
                    keep_blank_values=True,
                    strict_parsing=False,
                    max_num_fields=_FORM_FIELDS,
                )
            except (UnicodeDecodeError, ValueError):
                raise RequestValidationError(
                    [{"loc": ("body",), "msg": "not a form in UTF-8", "type": "form_invalid"}]
                ) from None
            form = TokenForm.model_validate(dict(fields))
            return TokenRequest.model_validate(
                {"username": form.username, "password": form.password}
            )
        return TokenRequest.model_validate_json(raw)
    except ValidationError as exc:
        problems = exc.errors(include_url=False, include_input=False, include_context=False)
        raise RequestValidationError(
            [{**p, "loc": ("body", *p["loc"])} for p in problems]
        ) from None


@router.post("/auth/token", openapi_extra={"requestBody": _TOKEN_BODY}, responses=_LOGON_ANSWERS)
def token(
    credentials: Annotated[TokenRequest, Depends(_credentials)], request: Request, wired: Wired
) -> TokenResponse:
    """An access token for a person. A wrong password, an unknown user and a locked or
    disabled account all get the same 401; five failed logons in a row lock the account for
    ten minutes."""
    source = request.client.host if request.client else "unknown"
    username = credentials.username
    try:
        with wired.logons.attempt(username=username, source=source) as admitted:
            user = accounts.authenticate(
                uow=wired.uow(), username=username, password=credentials.password, at=wired.clock()
            )
            admitted()
    except LogonThrottled as exc:
        raise HTTPException(
            status_code=429,
            detail=str(exc),
            headers={"Retry-After": str(max(1, math.ceil(exc.retry_after)))},
        ) from exc
    except InvalidCredentials:
        wired.active_accounts.forget(username)  # it may have just been locked
        raise
    now, ttl = wired.clock(), wired.token_ttl
    return TokenResponse(
        access_token=issue_token(user, secret=wired.jwt_secret, now=now, ttl=ttl),
        expires_in=int(ttl.total_seconds()),
    )


# ---- users -------------------------------------------------------------------------------


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


@router.get("/users", response_model=list[UserOut], responses=LIST_RESPONSES)
def list_users(request: Request, page: PageQuery, who: Admin, wired: Wired) -> Response:
    """Every user, by username: roles, agency, and whether the account may log on now."""
    found = accounts.users(uow=wired.uow())
    at = wired.clock()
    rows: list[BaseModel] = [UserOut.of(u, at) for u in page.of(found)]
    return listing(request, rows, total=len(found), name="users")


@router.get("/users/{username}")
def get_user(username: PathId, who: Admin, wired: Wired) -> UserOut:
    return UserOut.of(accounts.user(uow=wired.uow(), username=username), wired.clock())


@router.post("/users/{username}/disable")
def disable(username: PathId, who: Admin, wired: Wired, body: DisableIn | None = None) -> UserOut:
    """No more logons, and the account's tokens stop working. An administrator cannot
    disable their own account."""
    done = accounts.disable_user(
        uow=wired.uow(),
        username=username,
        actor=who.actor,
        at=wired.clock(),
        reason=body.reason if body else "",
    )
    wired.active_accounts.forget(username)
    return UserOut.of(done, wired.clock())


@router.post("/users/{username}/enable")
def enable(username: PathId, who: Admin, wired: Wired) -> UserOut:
    done = accounts.enable_user(
        uow=wired.uow(), username=username, actor=who.actor, at=wired.clock()
    )
    wired.active_accounts.forget(username)
    return UserOut.of(done, wired.clock())


@router.post("/users/{username}/unlock")
def unlock(username: PathId, who: Admin, wired: Wired) -> UserOut:
    """End a lock from failed logons now, rather than when it ends by itself."""
    done = accounts.unlock_user(
        uow=wired.uow(), username=username, actor=who.actor, at=wired.clock()
    )
    wired.active_accounts.forget(username)
    return UserOut.of(done, wired.clock())


@router.post("/users/{username}/password")
def reset_password(username: PathId, body: PasswordIn, who: Admin, wired: Wired) -> UserOut:
    """Set a new password (held to the same rules as a new user's); this unlocks the
    account."""
    done = accounts.reset_password(
        uow=wired.uow(),
        username=username,
        password=body.password,
        actor=who.actor,
        at=wired.clock(),
    )
    wired.active_accounts.forget(username)
    return UserOut.of(done, wired.clock())


# ---- API keys ----------------------------------------------------------------------------


@router.post("/api-keys", status_code=201)
def issue_key(body: ApiKeyIn, who: Admin, wired: Wired) -> ApiKeyOut:
    """A key for a jail system; the full key is shown once."""
    jurisdictions.agency(uow=wired.uow(), ori=body.ori)  # a key only for a registered agency
    key = accounts.issue_api_key(
        uow=wired.uow(), ori=body.ori, label=body.label, actor=who.actor, at=wired.clock()
    )
    return ApiKeyOut(key=key)


@router.get("/api-keys", response_model=list[ApiKeyListed], responses=LIST_RESPONSES)
def list_keys(
    request: Request,
    page: PageQuery,
    who: Admin,
    wired: Wired,
    ori: Annotated[str | None, Query(pattern=ORI, description="only this agency's keys")] = None,
) -> Response:
    """Jail systems' keys, by id: agency, label and whether revoked (never a secret)."""
    found = accounts.api_keys(uow=wired.uow(), ori=ori)
    rows: list[BaseModel] = [ApiKeyListed.of(k) for k in page.of(found)]
    return listing(request, rows, total=len(found), name="api-keys")


@router.post("/api-keys/{key_id}/revoke")
def revoke_key(key_id: PathId, who: Admin, wired: Wired) -> ApiKeyListed:
    """Revoke a key for good: the next request made with it is refused."""
    key = accounts.revoke_api_key(uow=wired.uow(), key_id=key_id, actor=who.actor, at=wired.clock())
    return ApiKeyListed.of(key)

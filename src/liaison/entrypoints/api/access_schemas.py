"""Bodies of the logon and of account administration: users and jail systems' keys.

What is never in them: a password, a key's secret or any hash (a key's secret is shown once,
in ``schemas.ApiKeyOut``, when it is issued).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from liaison.accounts.model import ApiKey, User
from liaison.entrypoints.api.bounds import FreeText, Identifier
from liaison.entrypoints.api.schemas import RequestBody, Strict

__all__ = ["ApiKeyListed", "DisableIn", "PasswordIn", "TokenForm", "UserOut"]


class TokenForm(RequestBody):
    """The logon as a form (``application/x-www-form-urlencoded``): OAuth 2.0's resource
    owner password grant, which OAuth tools and the docs page send."""

    grant_type: Literal["password"] | None = None
    username: Identifier = Field(max_length=100)
    password: str = Field(max_length=1024)
    scope: str = Field("", max_length=200, description="ignored: roles come from the account")
    client_id: str | None = Field(None, max_length=200, description="ignored")
    client_secret: str | None = Field(None, max_length=200, description="ignored")


class UserOut(Strict):
    """A user as an administrator sees them (never the password or its hash)."""

    username: str
    roles: list[str]
    ori: str | None
    state: Literal["active", "disabled", "locked"] = Field(
        description="whether the account may log on now: disabled by an administrator, or "
        "locked by failed logons (until `locked_until`, or until unlocked when that is null)"
    )
    disabled: bool
    locked_until: datetime | None
    failed_logons: int = Field(description="failed logons in a row since the last success")

    @classmethod
    def of(cls, user: User, at: datetime) -> UserOut:
        locked = user.locked_at(at)
        return cls(
            username=user.username,
            roles=sorted(r.value for r in user.roles),
            ori=user.ori,
            state="disabled" if user.disabled else "locked" if locked else "active",
            disabled=user.disabled,
            locked_until=user.locked_until if locked else None,
            failed_logons=user.failed_logons,
        )


class ApiKeyListed(Strict):
    """A jail system's key without its secret: the id is the key's second part,
    ``lsn_<key_id>_<secret>``."""

    key_id: str
    ori: str
    label: str
    revoked: bool

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyListed:
        return cls(key_id=key.key_id, ori=key.ori, label=key.label, revoked=key.revoked)


class DisableIn(RequestBody):
    reason: FreeText = Field("", max_length=500, description="why, for the audit trail")


class PasswordIn(RequestBody):
    password: str = Field(
        max_length=1024,
        description="12+ characters, not a common or breached one, not containing the username",
    )

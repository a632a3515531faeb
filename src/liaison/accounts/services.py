"""Use cases of accounts: users and their logons, jail systems' API keys.

Passwords and key secrets are kept only as argon2 hashes (pwdlib). Every decision (a user
added, disabled, enabled or given a new password; a logon granted or refused; an account
locked or unlocked; a key issued, refused or revoked) is written to the audit trail in the same
transaction as the change it records. Logons are in ``logon``, keys in ``keys``, what a
password must be in ``policy``; this module gathers them with the administration of users.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from liaison.accounts.errors import InvalidAccount, UnknownAccount
from liaison.accounts.hashing import HASHING, configure_hashing
from liaison.accounts.keys import (
    KEY_PREFIX,
    PURPOSE_ADMIN,
    api_keys,
    authenticate_key,
    issue_api_key,
    revoke_api_key,
)
from liaison.accounts.logon import PURPOSE_LOGON, authenticate
from liaison.accounts.model import Role, User
from liaison.accounts.policy import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME,
    check_ori,
    check_password,
    check_username,
)
from liaison.accounts.ports import AccountsUnitOfWork
from liaison.audit.services import record

__all__ = [
    "KEY_PREFIX",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PURPOSE_ADMIN",
    "PURPOSE_LOGON",
    "add_user",
    "api_keys",
    "authenticate",
    "authenticate_key",
    "configure_hashing",
    "disable_user",
    "enable_user",
    "issue_api_key",
    "reset_password",
    "revoke_api_key",
    "unlock_user",
    "user",
    "users",
]


def _roles(roles: Iterable[str]) -> set[Role]:
    out: set[Role] = set()
    for name in roles:
        try:
            out.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidAccount(
                f"roles: unknown role {name[:80]!r} (roles are: {known})"
            ) from None
    if not out:
        raise InvalidAccount("roles: a user needs at least one role")
    return out


def add_user(
    *,
    uow: AccountsUnitOfWork,
    username: str,
    password: str,
    roles: Iterable[str],
    ori: str | None = None,
    actor: str,
    at: datetime,
) -> User:
    """Add a user with a hashed password; booking officers belong to one agency (``ori``)."""
    check_username(username)
    check_password(password, username=username)
    granted = _roles(roles)
    if ori is not None:
        check_ori(ori)
    if Role.BOOKING_OFFICER in granted and ori is None:
        raise InvalidAccount("ori: a booking officer must belong to an agency (give its ORI)")
    new = User(
        username=username,
        password_hash=HASHING.password_hash().hash(password),
        roles=granted,
        ori=ori,
    )
    with uow:
        if uow.accounts.get_user(username) is not None:
            raise InvalidAccount(f"username: {username!r} is taken")
        uow.accounts.add_user(new)
        record(
            uow=uow,
            actor=actor,
            action="account.add_user",
            subject=f"user:{username}",
            purpose=PURPOSE_ADMIN,
            detail={"roles": sorted(r.value for r in granted), "ori": ori},
            at=at,
        )
        uow.commit()
    return new


def users(*, uow: AccountsUnitOfWork) -> Sequence[User]:
    """Every user, by username."""
    with uow:
        return list(uow.accounts.users())


def user(*, uow: AccountsUnitOfWork, username: str) -> User:
    """One user; ``UnknownAccount`` when there is none of that name."""
    with uow:
        found = uow.accounts.get_user(username) if USERNAME.fullmatch(username) else None
    if found is None:
        raise UnknownAccount(f"no user is named {username[:80]!r}")
    return found


def _change(
    uow: AccountsUnitOfWork,
    username: str,
    *,
    action: str,
    actor: str,
    at: datetime,
    change: Callable[[User], dict[str, object] | None],
) -> User:
    """Load a user, apply ``change`` (which returns the audit detail, or None when there was
    nothing to change), audit and commit it."""
    with uow:
        found = (
            uow.accounts.get_user(username, for_update=True)
            if USERNAME.fullmatch(username)
            else None
        )
        if found is None:
            raise UnknownAccount(f"no user is named {username[:80]!r}")
        detail = change(found)
        if detail is not None:
            record(
                uow=uow,
                actor=actor,
                action=action,
                subject=f"user:{username}",
                purpose=PURPOSE_ADMIN,
                detail=detail,
                at=at,
            )
            uow.commit()
    return found


def unlock_user(*, uow: AccountsUnitOfWork, username: str, actor: str, at: datetime) -> User:
    """Unlock an account at once and clear its failed-logon count."""

    def unlock(u: User) -> dict[str, object]:
        was: dict[str, object] = {"locked": u.locked_at(at), "failed_logons": u.failed_logons}
        u.locked, u.locked_until, u.failed_logons = False, None, 0
        return was

    return _change(uow, username, action="account.unlock", actor=actor, at=at, change=unlock)


def disable_user(
    *, uow: AccountsUnitOfWork, username: str, actor: str, at: datetime, reason: str = ""
) -> User:
    """Disable an account: it can no longer log on, and its tokens stop working within
    seconds. Disabling a disabled account changes nothing. No one disables their own."""
    if actor == username:
        raise InvalidAccount("username: an administrator cannot disable their own account")

    def disable(u: User) -> dict[str, object] | None:
        if u.disabled:
            return None
        u.disabled = True
        return {"reason": reason[:500]}

    return _change(uow, username, action="account.disable", actor=actor, at=at, change=disable)


def enable_user(*, uow: AccountsUnitOfWork, username: str, actor: str, at: datetime) -> User:
    """Enable a disabled account again (a lock from failed logons is left as it is)."""

    def enable(u: User) -> dict[str, object] | None:
        if not u.disabled:
            return None
        u.disabled = False
        return {}

    return _change(uow, username, action="account.enable", actor=actor, at=at, change=enable)


def reset_password(
    *, uow: AccountsUnitOfWork, username: str, password: str, actor: str, at: datetime
) -> User:
    """Give a user a new password (held to the same rules as a new user's), and unlock the
    account: the person who forgot theirs is usually the one who locked it."""
    check_password(password, username=username)
    new_hash = HASHING.password_hash().hash(password)

    def reset(u: User) -> dict[str, object]:
        was: dict[str, object] = {"locked": u.locked_at(at), "failed_logons": u.failed_logons}
        u.password_hash = new_hash
        u.locked, u.locked_until, u.failed_logons = False, None, 0
        return was

    return _change(uow, username, action="account.reset_password", actor=actor, at=at, change=reset)

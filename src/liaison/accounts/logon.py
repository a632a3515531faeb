"""A person's logon: one answer for every refusal, a lockout that ends by itself.

An unknown username, a wrong password, a disabled account and a locked one all get the same
``InvalidCredentials`` with the same message, after the same work: one argon2 verification
with the parameters in use (against a dummy hash when there is no such user, or when the
password is longer than any a user may set). Only the audit trail says which it was.

``LOCKOUT_AFTER`` failed logons in a row lock the account for ``LOCKOUT_FOR`` (CJIS: 5 and 10
minutes); the lock ends by itself, or sooner when an administrator unlocks it. The password is
verified outside any database transaction (it takes a good part of a second by design), so a
logon holds the store's write lock only to record its outcome.
"""

from __future__ import annotations

from datetime import datetime

from liaison.accounts.errors import InvalidCredentials
from liaison.accounts.hashing import HASHING
from liaison.accounts.model import LOCKOUT_AFTER, LOCKOUT_FOR, User
from liaison.accounts.policy import MAX_PASSWORD_LENGTH, USERNAME
from liaison.accounts.ports import AccountsUnitOfWork
from liaison.audit.services import record

__all__ = ["PURPOSE_LOGON", "REFUSED", "authenticate", "shown_username"]

PURPOSE_LOGON = "logon"
REFUSED = "wrong username or password"  # the one message of every refused logon


def shown_username(username: str) -> str:
    """A username as the audit trail may show it: as given when it could be one, else its
    first 64 characters with anything unprintable escaped (never 5 MB, never a NUL)."""
    if USERNAME.fullmatch(username):
        return username
    shown = ascii(username[:64])[1:-1]
    return f"{shown}..." if len(username) > 64 else shown


def authenticate(*, uow: AccountsUnitOfWork, username: str, password: str, at: datetime) -> User:
    """The user, when the password is right and the account active; ``InvalidCredentials``
    (always the same message) otherwise.

    A wrong password counts a failed logon; ``LOCKOUT_AFTER`` in a row lock the account until
    ``at + LOCKOUT_FOR``. The count, the lock and the audit entry are committed before the
    refusal is raised, so a failed logon is never rolled back.
    """
    could_be = USERNAME.fullmatch(username) is not None
    with uow:  # a short read: the hash to verify against
        found = uow.accounts.get_user(username) if could_be else None
        verified_hash = found.password_hash if found is not None else None
    hashing = HASHING.password_hash()
    if verified_hash is not None and len(password) <= MAX_PASSWORD_LENGTH:
        valid, rehashed = hashing.verify_and_update(password, verified_hash)
    else:
        hashing.verify(password[:MAX_PASSWORD_LENGTH], HASHING.dummy_password())
        valid, rehashed = False, None
    with uow:
        user = uow.accounts.get_user(username, for_update=True) if could_be else None
        admitted = _decide(uow, user, username, valid, verified_hash, rehashed, at)
        uow.commit()
    if not admitted:
        raise InvalidCredentials(REFUSED)
    assert user is not None
    return user


def _decide(
    uow: AccountsUnitOfWork,
    user: User | None,
    username: str,
    valid: bool,
    verified_hash: str | None,
    rehashed: str | None,
    at: datetime,
) -> bool:
    """Whether the logon is admitted; writes what follows from it (count, lock, audit)."""
    shown = shown_username(username)

    def audit(action: str, **detail: object) -> None:
        record(
            uow=uow,
            actor=shown,
            action=action,
            subject=f"user:{shown}",
            purpose=PURPOSE_LOGON,
            detail=detail,
            at=at,
        )

    if user is None:
        reason = "unknown user" if USERNAME.fullmatch(username) else "not a username"
        audit("account.logon_refused", reason=reason)
        return False
    if user.locked and not user.locked_at(at):  # the lock ended by itself
        audit("account.lock_ended", locked_until=_iso(user.locked_until))
        user.locked, user.locked_until, user.failed_logons = False, None, 0
    if user.disabled:
        audit("account.logon_refused", reason="disabled")
        return False
    if user.locked:
        audit(
            "account.logon_refused",
            reason="locked",
            locked_until=_iso(user.locked_until),
            right_password=valid,
        )
        return False
    # a password verified against a hash that changed meanwhile (a reset) proves nothing
    if not valid or user.password_hash != verified_hash:
        user.failed_logons += 1
        audit("account.logon_refused", reason="wrong password", failed_logons=user.failed_logons)
        if user.failed_logons >= LOCKOUT_AFTER:
            user.locked, user.locked_until = True, at + LOCKOUT_FOR
            audit(
                "account.lock",
                failed_logons=user.failed_logons,
                locked_until=_iso(user.locked_until),
            )
        return False
    user.failed_logons = 0
    if rehashed is not None:  # the hashing parameters changed since this hash was made
        user.password_hash = rehashed
    audit("account.logon")
    return True


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None

"""Use cases of accounts: users and their logons, jail systems' API keys.

Passwords and key secrets are kept only as argon2 hashes (pwdlib). Every decision (a user
added, a logon granted or refused, an account locked or unlocked, a key issued, refused or
revoked) is written to the audit trail in the same transaction as the change it records.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from liaison.accounts.errors import (
    AccountLocked,
    InvalidAccount,
    InvalidCredentials,
    UnknownAccount,
)
from liaison.accounts.model import LOCKOUT_AFTER, ApiKey, Role, User
from liaison.accounts.ports import AccountsUnitOfWork
from liaison.audit.services import record

__all__ = [
    "KEY_PREFIX",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "add_user",
    "authenticate",
    "authenticate_key",
    "configure_hashing",
    "issue_api_key",
    "revoke_api_key",
    "unlock_user",
]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing a megabyte "password" is a cheap denial of service
KEY_PREFIX = "lsn"
USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,63}")
ORI = re.compile(r"[A-Z]{2}[A-Z0-9]{7}")
_KEY = re.compile(rf"{KEY_PREFIX}_([0-9a-f]{{16}})_([A-Za-z0-9_-]{{43}})")

PURPOSE_ADMIN = "account administration"
PURPOSE_LOGON = "logon"


# ---- hashing -----------------------------------------------------------------------------


@dataclass
class _Hashing:
    """The hashers in use, built on first use (never at import) unless configured."""

    passwords: PasswordHash | None = None
    keys: PasswordHash | None = None
    _dummy_password: str | None = None
    _dummy_key: str | None = None

    def password_hash(self) -> PasswordHash:
        if self.passwords is None:
            self.passwords = PasswordHash.recommended()
        return self.passwords

    def key_hash(self) -> PasswordHash:
        if self.keys is None:
            # A key secret is 256 random bits: stretching adds nothing against guessing it,
            # and a jail system presents its key on every request, so keep each check cheap.
            self.keys = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
        return self.keys

    def dummy_password(self) -> str:
        """A hash to verify against when the user does not exist, so the answer takes as
        long as for a real user and does not reveal which usernames exist."""
        if self._dummy_password is None:
            self._dummy_password = self.password_hash().hash(secrets.token_urlsafe(16))
        return self._dummy_password

    def dummy_key(self) -> str:
        if self._dummy_key is None:
            self._dummy_key = self.key_hash().hash(secrets.token_urlsafe(32))
        return self._dummy_key


_HASHING = _Hashing()


def configure_hashing(
    *, passwords: PasswordHash | None = None, keys: PasswordHash | None = None
) -> None:
    """Use these hashers from now on (bootstrap for tuned costs, tests for cheap ones);
    ``None`` restores the default (argon2 with pwdlib's recommended parameters)."""
    _HASHING.passwords = passwords
    _HASHING.keys = keys
    _HASHING._dummy_password = None
    _HASHING._dummy_key = None


# ---- users -------------------------------------------------------------------------------


def _roles(roles: Iterable[str]) -> set[Role]:
    out: set[Role] = set()
    for name in roles:
        try:
            out.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidAccount(f"roles: unknown role {name!r} (roles are: {known})") from None
    if not out:
        raise InvalidAccount("roles: a user needs at least one role")
    return out


def _check_ori(ori: str, field: str = "ori") -> None:
    if not ORI.fullmatch(ori):
        raise InvalidAccount(
            f"{field}: {ori!r} is not an ORI (9 characters: a 2-letter state code, then 7 "
            "letters or digits)"
        )


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
    if not USERNAME.fullmatch(username):
        raise InvalidAccount(
            f"username: {username!r} must be 3 to 64 characters: a lower-case letter, then "
            "lower-case letters, digits, '.', '_' or '-'"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAccount(f"password: at least {MIN_PASSWORD_LENGTH} characters are needed")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidAccount(f"password: at most {MAX_PASSWORD_LENGTH} characters are allowed")
    granted = _roles(roles)
    if ori is not None:
        _check_ori(ori)
    if Role.BOOKING_OFFICER in granted and ori is None:
        raise InvalidAccount("ori: a booking officer must belong to an agency (give its ORI)")
    user = User(
        username=username,
        password_hash=_HASHING.password_hash().hash(password),
        roles=granted,
        ori=ori,
    )
    with uow:
        if uow.accounts.get_user(username) is not None:
            raise InvalidAccount(f"username: {username!r} is taken")
        uow.accounts.add_user(user)
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
    return user


def authenticate(*, uow: AccountsUnitOfWork, username: str, password: str, at: datetime) -> User:
    """The user, when the password is right and the account not locked.

    A wrong password counts a failed logon; ``LOCKOUT_AFTER`` in a row lock the account, and a
    locked account is refused even with the right password. The count, the lock and the audit
    entry are committed before the refusal is raised, so a failed logon is never rolled back.
    """
    with uow:
        user = uow.accounts.get_user(username)
        refusal = _check_logon(uow, user, username, password, at)
        uow.commit()
    if refusal is not None:
        raise refusal
    assert user is not None
    return user


def _check_logon(
    uow: AccountsUnitOfWork, user: User | None, username: str, password: str, at: datetime
) -> InvalidCredentials | AccountLocked | None:
    """Decide a logon and write what follows from it; the error to raise, or None."""
    subject = f"user:{username}"

    def audit(action: str, **detail: object) -> None:
        record(
            uow=uow,
            actor=username,
            action=action,
            subject=subject,
            purpose=PURPOSE_LOGON,
            detail=detail,
            at=at,
        )

    hashing = _HASHING.password_hash()
    if user is None:
        hashing.verify(password, _HASHING.dummy_password())
        audit("account.logon_refused", reason="unknown user")
        return InvalidCredentials("wrong username or password")
    if user.locked:
        audit("account.logon_refused", reason="locked", failed_logons=user.failed_logons)
        return AccountLocked(
            f"the account {username!r} is locked after {LOCKOUT_AFTER} failed logons in a row: "
            "ask an administrator to unlock it"
        )
    valid, rehashed = hashing.verify_and_update(password, user.password_hash)
    if not valid:
        user.failed_logons += 1
        audit("account.logon_refused", reason="wrong password", failed_logons=user.failed_logons)
        if user.failed_logons >= LOCKOUT_AFTER:
            user.locked = True
            audit("account.lock", failed_logons=user.failed_logons)
            return AccountLocked(
                f"wrong username or password; the account {username!r} is now locked after "
                f"{LOCKOUT_AFTER} failed logons in a row: ask an administrator to unlock it"
            )
        return InvalidCredentials("wrong username or password")
    user.failed_logons = 0
    if rehashed is not None:  # the hashing parameters changed since this hash was made
        user.password_hash = rehashed
    audit("account.logon")
    return None


def unlock_user(*, uow: AccountsUnitOfWork, username: str, actor: str, at: datetime) -> User:
    """Unlock an account and clear its failed-logon count."""
    with uow:
        user = uow.accounts.get_user(username)
        if user is None:
            raise UnknownAccount(f"no user is named {username!r}")
        was = {"locked": user.locked, "failed_logons": user.failed_logons}
        user.locked = False
        user.failed_logons = 0
        record(
            uow=uow,
            actor=actor,
            action="account.unlock",
            subject=f"user:{username}",
            purpose=PURPOSE_ADMIN,
            detail=was,
            at=at,
        )
        uow.commit()
    return user


# ---- API keys ----------------------------------------------------------------------------


def issue_api_key(
    *, uow: AccountsUnitOfWork, ori: str, label: str, actor: str, at: datetime
) -> str:
    """A new key for a jail system of agency ``ori``, as ``lsn_<key_id>_<secret>``.

    The full key is returned this once; only an argon2 hash of the secret is kept.
    """
    _check_ori(ori)
    secret = secrets.token_urlsafe(32)  # 43 characters, 256 bits
    secret_hash = _HASHING.key_hash().hash(secret)
    with uow:
        key_id = secrets.token_hex(8)
        while uow.accounts.get_key(key_id) is not None:  # 64 bits: all but never
            key_id = secrets.token_hex(8)
        uow.accounts.add_key(ApiKey(key_id=key_id, secret_hash=secret_hash, ori=ori, label=label))
        record(
            uow=uow,
            actor=actor,
            action="apikey.issue",
            subject=f"apikey:{key_id}",
            purpose=PURPOSE_ADMIN,
            detail={"ori": ori, "label": label},
            at=at,
        )
        uow.commit()
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def authenticate_key(*, uow: AccountsUnitOfWork, key: str, at: datetime | None = None) -> ApiKey:
    """The key record for a presented key; ``InvalidCredentials`` when it is malformed,
    unknown, wrong or revoked.

    Every path verifies one hash, so the time taken does not tell a malformed or unknown key
    from a wrong secret. Refusals are audited (and committed) when ``at`` is given; an accepted
    key is not, since the act it is used for is audited under ``jail:<ORI>:<key_id>``.
    """
    hashing = _HASHING.key_hash()
    parsed = _KEY.fullmatch(key)
    key_id, secret = parsed.groups() if parsed else ("", key)
    with uow:
        found = uow.accounts.get_key(key_id) if parsed else None
        valid = hashing.verify(secret, found.secret_hash if found else _HASHING.dummy_key())
        if found is not None and valid and not found.revoked:
            return found
        if not parsed:
            reason = "malformed"
        elif found is None:
            reason = "unknown key"
        elif not valid:
            reason = "wrong secret"
        else:
            reason = "revoked"
        if at is not None:
            record(
                uow=uow,
                actor=f"apikey:{key_id}" if parsed else "anonymous",
                action="apikey.refuse",
                subject=f"apikey:{key_id}" if parsed else "apikey:?",
                purpose=PURPOSE_LOGON,
                detail={"reason": reason},
                at=at,
            )
            uow.commit()
    if reason == "revoked":
        raise InvalidCredentials("this API key has been revoked")
    raise InvalidCredentials("the API key is not valid")


def revoke_api_key(*, uow: AccountsUnitOfWork, key_id: str, actor: str, at: datetime) -> ApiKey:
    """Revoke a key for good (revoking a revoked key changes nothing)."""
    with uow:
        found = uow.accounts.get_key(key_id)
        if found is None:
            raise UnknownAccount(f"no API key has id {key_id!r}")
        if not found.revoked:
            found.revoked = True
            record(
                uow=uow,
                actor=actor,
                action="apikey.revoke",
                subject=f"apikey:{key_id}",
                purpose=PURPOSE_ADMIN,
                detail={"ori": found.ori, "label": found.label},
                at=at,
            )
            uow.commit()
    return found

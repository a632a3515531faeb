"""Jail systems' API keys: issued once in full, kept as a hash, listed without secrets,
revoked for good."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime

from liaison.accounts.errors import InvalidCredentials, UnknownAccount
from liaison.accounts.hashing import HASHING
from liaison.accounts.logon import PURPOSE_LOGON
from liaison.accounts.model import ApiKey
from liaison.accounts.policy import check_ori
from liaison.accounts.ports import AccountsUnitOfWork
from liaison.audit.services import record

__all__ = [
    "KEY_PREFIX",
    "PURPOSE_ADMIN",
    "api_keys",
    "authenticate_key",
    "issue_api_key",
    "revoke_api_key",
]

KEY_PREFIX = "lsn"
PURPOSE_ADMIN = "account administration"
_KEY = re.compile(rf"{KEY_PREFIX}_([0-9a-f]{{16}})_([A-Za-z0-9_-]{{43}})")


def issue_api_key(
    *, uow: AccountsUnitOfWork, ori: str, label: str, actor: str, at: datetime
) -> str:
    """A new key for a jail system of agency ``ori``, as ``lsn_<key_id>_<secret>``.

    The full key is returned this once; only an argon2 hash of the secret is kept.
    """
    check_ori(ori)
    secret = secrets.token_urlsafe(32)  # 43 characters, 256 bits
    secret_hash = HASHING.key_hash().hash(secret)
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
    hashing = HASHING.key_hash()
    parsed = _KEY.fullmatch(key)
    key_id, secret = parsed.groups() if parsed else ("", key[:64])
    with uow:
        found = uow.accounts.get_key(key_id) if parsed else None
        valid = hashing.verify(secret, found.secret_hash if found else HASHING.dummy_key())
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
    """Revoke a key for good (revoking a revoked key changes nothing); the next request made
    with it is refused."""
    with uow:
        found = uow.accounts.get_key(key_id) if re.fullmatch(r"[0-9a-f]{16}", key_id) else None
        if found is None:
            raise UnknownAccount(f"no API key has id {key_id[:80]!r}")
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


def api_keys(*, uow: AccountsUnitOfWork, ori: str | None = None) -> Sequence[ApiKey]:
    """Every key (of agency ``ori`` when given), by id; the hashes stay in the store's rows
    and are no business of whoever lists them."""
    with uow:
        return [k for k in uow.accounts.list_keys() if ori is None or k.ori == ori]

"""The argon2 hashers for passwords and key secrets, built on first use (never at import).

Every logon verifies exactly one hash with the parameters in use, whether or not the user
exists, so the time an answer takes does not tell which usernames exist: an unknown user's
password is verified against a dummy hash made by the same hasher.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

__all__ = ["HASHING", "configure_hashing"]


@dataclass
class Hashing:
    """The hashers in use, built on first use unless configured."""

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


HASHING = Hashing()


def configure_hashing(
    *, passwords: PasswordHash | None = None, keys: PasswordHash | None = None
) -> None:
    """Use these hashers from now on (bootstrap for tuned costs, tests for cheap ones);
    ``None`` restores the default (argon2 with pwdlib's recommended parameters)."""
    HASHING.passwords = passwords
    HASHING.keys = keys
    HASHING._dummy_password = None
    HASHING._dummy_key = None

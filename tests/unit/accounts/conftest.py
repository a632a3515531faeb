"""Cheap argon2 parameters: the defaults are meant to be slow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from liaison.accounts.services import configure_hashing


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1),))
    configure_hashing(passwords=cheap, keys=cheap)
    yield
    configure_hashing()

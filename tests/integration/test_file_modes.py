"""The store, the keys and the demo's credentials are created 0600, and a data directory
Liaison creates 0700 (the SQLite file holds password hashes and personal data)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.accounts.services import configure_hashing
from liaison.settings import Settings
from liaison.synth.demo import _credentials


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    kept = os.umask(0o022)
    yield
    os.umask(kept)


@pytest.fixture(autouse=True)
def no_jwt_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIAISON_JWT_SECRET", raising=False)


def modes(data_dir: Path, files: list[Path]) -> dict[str, int]:
    assert all(p.exists() for p in files), files
    return {str(p.relative_to(data_dir)): mode(p) for p in files}


def test_a_new_data_directory_and_everything_secret_in_it_are_private(tmp_path: Path) -> None:
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1),))
    configure_hashing(passwords=cheap, keys=cheap)
    data_dir = tmp_path / "new" / "data"
    c = bootstrap.container(Settings(data_dir=data_dir), with_engine=False)
    try:
        at = c.clock()
        accounts.add_user(  # writes an audit entry: the audit key ring is made
            uow=c.uow(), username="alice", password="a fine pass phrase", roles=["auditor"],
            actor="test", at=at,
        )  # fmt: skip
        with c.uow() as uow:  # a connection is open: the -wal and -shm files are there
            uow.accounts.get_user("alice")
            store = [data_dir / f"liaison.db{end}" for end in ("", "-wal", "-shm")]
            assert modes(data_dir, store) == {
                "liaison.db": 0o600,
                "liaison.db-wal": 0o600,
                "liaison.db-shm": 0o600,
            }
        keys = [c.settings.jwt_key_file, c.settings.audit_key_file]
        assert modes(data_dir, keys) == {"jwt.key": 0o600, "audit.keys": 0o600}
    finally:
        c.close()
        configure_hashing()
    assert mode(data_dir) == 0o700
    assert mode(data_dir.parent) == 0o700


def test_the_demo_credentials_are_private_even_over_an_older_file(tmp_path: Path) -> None:
    path = tmp_path / "demo-credentials.json"
    path.write_text("{}")
    os.chmod(path, 0o644)  # as an earlier version, or a careless copy, left it
    passwords, _ = _credentials(path)
    assert mode(path) == 0o600
    assert passwords[0][1] in path.read_text()

"""Files only Liaison's own user may read are made so, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison.private_files import create_private, private_dir, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The umask most systems run with: without care, files are made 0644."""
    kept = os.umask(0o022)
    yield
    os.umask(kept)


def test_a_directory_and_its_missing_parents_are_made_0700(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "data"
    assert private_dir(deep) == deep
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", deep)] == [0o700] * 3
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    private_dir(existing)
    assert mode(existing) == 0o755  # an existing directory is its owner's business


def test_files_are_made_0600(tmp_path: Path) -> None:
    assert create_private(tmp_path / "store.db")
    assert mode(tmp_path / "store.db") == 0o600
    assert not create_private(tmp_path / "store.db")  # there already: left alone
    assert not create_private(tmp_path / "missing" / "store.db")  # no directory: not made
    write_private(tmp_path / "keys" / "jwt.key", "secret", exclusive=True)
    assert mode(tmp_path / "keys" / "jwt.key") == 0o600
    assert mode(tmp_path / "keys") == 0o700
    with pytest.raises(FileExistsError):
        write_private(tmp_path / "keys" / "jwt.key", "another", exclusive=True)
    assert (tmp_path / "keys" / "jwt.key").read_text() == "secret"


def test_rewriting_a_world_readable_file_makes_it_private(tmp_path: Path) -> None:
    old = tmp_path / "demo-credentials.json"
    old.write_text("{}")
    os.chmod(old, 0o644)
    write_private(old, b'{"admin": {}}')
    assert mode(old) == 0o600
    assert old.read_bytes() == b'{"admin": {}}'

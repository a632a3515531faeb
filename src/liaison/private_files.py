"""Files only Liaison's own user may read: the store, keys, credentials.

The SQLite store holds password hashes and personal data; the key files sign tokens and MAC
the audit trail; the demo's credentials file holds passwords. Each is created mode 0600, and
a data directory Liaison creates is mode 0700, whatever the process's umask would have made
of them. Files that already exist keep the mode their owner gave them, except where a caller
rewrites one (``write_private`` sets 0600 again).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["FILE_MODE", "create_private", "private_dir", "write_private"]

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """``path`` as a directory: made (with any missing parents) mode 0700 when it is not
    there; an existing one is left as it is."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made by another process meanwhile
            directory.mkdir(mode=DIR_MODE)
            os.chmod(directory, DIR_MODE)  # mkdir's mode is cut by the umask
    return path


def create_private(path: Path) -> bool:
    """Make ``path`` an empty file mode 0600 unless it exists, or its directory does not (the
    caller then fails as it would have); whether it was made."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except (FileExistsError, FileNotFoundError):
        return False
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    return True


def write_private(path: Path, data: str | bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path``, mode 0600 (also when it replaces an older file, whatever
    mode that had); with ``exclusive``, ``FileExistsError`` when the file is already there."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), FILE_MODE)
        fh.write(data.encode() if isinstance(data, str) else data)

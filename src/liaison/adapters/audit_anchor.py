"""Checkpoints of the audit trail's head in an append-only JSON-lines file (the default
``AuditAnchor``), outside the database: ``checkpoints.jsonl`` in the data directory, mode
0600, one signed checkpoint a line, never rewritten.

A file on the application's host stops the database's administrator, who cannot reach it. To
stop whoever administers that host too, send checkpoints where no one can rewrite them: an
object store with a retention lock (S3 Object Lock in compliance mode, Azure immutable blob
storage), or a remote syslog server or SIEM that keeps what it receives. Any class with the
``AuditAnchor`` methods (``append``, and ``checkpoints`` to read them back for ``audit
verify``) takes this one's place in ``bootstrap``.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from liaison.audit.errors import CheckpointsUnreadable
from liaison.audit.model import Checkpoint
from liaison.audit.seal import format_at
from liaison.private_files import create_private, private_dir

__all__ = ["FileAnchor"]


def _line(cp: Checkpoint) -> bytes:
    body = {
        "seq": cp.seq,
        "entry_hash": cp.entry_hash,
        "mac": cp.mac,
        "at": format_at(cp.at),
        "key_id": cp.key_id,
        "signature": cp.signature,
    }
    return (json.dumps(body, separators=(",", ":")) + "\n").encode()


def _parsed(text: str) -> Checkpoint:
    body = json.loads(text)
    if not isinstance(body, dict):
        raise TypeError("not an object")
    seq, mac = body["seq"], body["mac"]
    fields = (body["entry_hash"], body["key_id"], body["signature"])
    if type(seq) is not int or not all(isinstance(f, str) for f in fields):
        raise TypeError("a field of the wrong type")
    if mac is not None and not isinstance(mac, str):
        raise TypeError("a field of the wrong type")
    return Checkpoint(
        seq=seq,
        entry_hash=body["entry_hash"],
        mac=mac,
        at=datetime.fromisoformat(body["at"]),
        key_id=body["key_id"],
        signature=body["signature"],
    )


class FileAnchor:
    """``AuditAnchor`` over an append-only JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, checkpoint: Checkpoint) -> None:
        """One line, in one write to a file opened for appending, flushed to disk: writers in
        several processes never interleave."""
        private_dir(self.path.parent)
        create_private(self.path)  # 0600 whatever the umask, when it is new
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, _line(checkpoint))
            os.fsync(fd)
        finally:
            os.close(fd)

    def checkpoints(self) -> list[Checkpoint]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise CheckpointsUnreadable(f"{self.path}: {exc}") from exc
        found = []
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                found.append(_parsed(line))
            except (ValueError, KeyError, TypeError) as exc:
                raise CheckpointsUnreadable(f"{self.path} line {number}: {exc!r}") from exc
        return found

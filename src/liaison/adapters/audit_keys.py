"""The audit MAC keys in a key ring file, outside the database (the default ``AuditKeys``).

The ring is JSON, created mode 0600 on first use::

    {"format": "liaison-audit-keys/1", "current": "<id>",
     "keys": [{"id": "<id>", "created": "<ISO time>", "secret": "<base64url, 32 bytes>"}]}

``rotate`` adds a key and makes it current; old keys stay, to verify what they MACed. The
file is replaced atomically (a new file renamed over it), and a process that holds the ring
reloads it when the file changes, so a running server MACs with a rotated key at once.

In production keep the ring where the database's administrator cannot read it
(``LIAISON_AUDIT_KEY_FILE``, e.g. a secret mounted read-only), or implement ``AuditKeys``
over a KMS that computes HMACs itself (AWS KMS GenerateMac/VerifyMac with HMAC_SHA_256 keys,
Google Cloud KMS MacSign, Vault's transit engine): the key then never leaves the KMS.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from liaison.audit.errors import AuditKeyError, UnknownAuditKey
from liaison.private_files import FILE_MODE, private_dir

__all__ = ["FORMAT", "FileKeyRing", "RingKey"]

FORMAT = "liaison-audit-keys/1"
SECRET_BYTES = 32


@dataclass(frozen=True)
class RingKey:
    """One key of the ring (its secret stays inside ``FileKeyRing``)."""

    key_id: str
    created: datetime
    current: bool


@dataclass(frozen=True)
class _Ring:
    current: str
    created: dict[str, datetime]
    secrets: dict[str, bytes]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_key(at: datetime) -> tuple[str, datetime, bytes]:
    return f"{at:%Y%m%d}-{secrets.token_hex(4)}", at, secrets.token_bytes(SECRET_BYTES)


def _encode(ring: _Ring) -> bytes:
    keys = [
        {
            "id": key_id,
            "created": ring.created[key_id].isoformat(),
            "secret": base64.urlsafe_b64encode(secret).decode(),
        }
        for key_id, secret in ring.secrets.items()
    ]
    body = {"format": FORMAT, "current": ring.current, "keys": keys}
    return (json.dumps(body, indent=2) + "\n").encode()


def _decode(data: bytes, path: Path) -> _Ring:
    try:
        body = json.loads(data)
        if body.get("format") != FORMAT:
            raise ValueError(f"format {body.get('format')!r}, not {FORMAT!r}")
        created = {k["id"]: datetime.fromisoformat(k["created"]) for k in body["keys"]}
        keys = {
            k["id"]: base64.urlsafe_b64decode(k["secret"].encode("ascii")) for k in body["keys"]
        }
        current = body["current"]
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise AuditKeyError(f"the audit key ring {path} is malformed: {exc}") from exc
    if current not in keys:
        raise AuditKeyError(f"the audit key ring {path} names a current key it does not hold")
    if any(len(secret) < 16 for secret in keys.values()):
        raise AuditKeyError(f"the audit key ring {path} holds a key shorter than 16 bytes")
    return _Ring(current=current, created=created, secrets=keys)


def _write_new(path: Path, data: bytes) -> Path:
    """``data`` in a new 0600 file beside ``path``, flushed to disk; its path."""
    private_dir(path.parent)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), FILE_MODE)  # whatever the umask made of it
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return temp


class FileKeyRing:
    """``AuditKeys`` over a key ring file: made on the first ``current()``, never by ``mac``."""

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.path = path
        self._clock = clock
        self._ring: _Ring | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    def exists(self) -> bool:
        return self.path.exists()

    def current(self) -> str:
        with self._lock:
            ring = self._load(create=True)
        assert ring is not None  # created when missing
        return ring.current

    def mac(self, key_id: str, message: bytes) -> str:
        with self._lock:
            ring = self._load(create=False)
        secret = None if ring is None else ring.secrets.get(key_id)
        if secret is None:
            raise UnknownAuditKey(key_id)
        return hmac.new(secret, message, hashlib.sha256).hexdigest()

    def held(self) -> list[RingKey]:
        """The keys of the ring, oldest first (empty when there is no ring yet)."""
        with self._lock:
            ring = self._load(create=False)
        if ring is None:
            return []
        return [
            RingKey(key_id=k, created=ring.created[k], current=k == ring.current)
            for k in ring.secrets
        ]

    def rotate(self) -> str:
        """Start a new key for new entries, keeping the old ones; the new key's id."""
        with self._lock, self._locked_file():
            ring = self._load(create=True)
            assert ring is not None
            key_id, created, secret = _new_key(self._clock())
            ring = _Ring(
                current=key_id,
                created={**ring.created, key_id: created},
                secrets={**ring.secrets, key_id: secret},
            )
            temp = _write_new(self.path, _encode(ring))
            os.replace(temp, self.path)
            self._ring, self._stamp = None, None  # reread what was written
            return key_id

    @contextlib.contextmanager
    def _locked_file(self) -> Iterator[None]:
        # Serializes rotations across processes (two at once would each drop the other's key).
        self._load(create=True)
        with open(self.path, "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _load(self, *, create: bool) -> _Ring | None:
        """The ring as the file now holds it (reread when the file changed)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            if not create:
                return None
            self._create()
            st = os.stat(self.path)
        except OSError as exc:
            raise AuditKeyError(f"cannot read the audit key ring {self.path}: {exc}") from exc
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._ring is None or stamp != self._stamp:
            try:
                data = self.path.read_bytes()
            except OSError as exc:
                raise AuditKeyError(f"cannot read the audit key ring {self.path}: {exc}") from exc
            self._ring, self._stamp = _decode(data, self.path), stamp
        return self._ring

    def _create(self) -> None:
        key_id, created, secret = _new_key(self._clock())
        ring = _Ring(current=key_id, created={key_id: created}, secrets={key_id: secret})
        try:
            temp = _write_new(self.path, _encode(ring))
        except OSError as exc:
            raise AuditKeyError(f"cannot create the audit key ring {self.path}: {exc}") from exc
        try:
            os.link(temp, self.path)  # fails if another process made the ring first: use theirs
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: exclusive create instead
            with contextlib.suppress(FileExistsError):
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
                with os.fdopen(fd, "wb") as fh:
                    os.fchmod(fh.fileno(), FILE_MODE)
                    fh.write(temp.read_bytes())
        finally:
            temp.unlink()

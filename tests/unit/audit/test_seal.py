"""MACs of entries and signatures of checkpoints."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from tests.fakes import FakeAuditKeys

from liaison.audit.chain import next_entry
from liaison.audit.errors import UnknownAuditKey
from liaison.audit.model import AuditEntry
from liaison.audit.seal import (
    checkpoint_message,
    entry_mac_message,
    mac_matches,
    seal_entry,
    sign_checkpoint,
    signature_problem,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def entry(keys: FakeAuditKeys | None = None) -> AuditEntry:
    return next_entry(
        None, at=T0, actor="a", action="x", subject="s", purpose="p", detail={}, keys=keys
    )


def test_an_entry_written_with_keys_carries_the_current_key_and_its_mac() -> None:
    keys = FakeAuditKeys()
    sealed = entry(keys)
    assert sealed.key_id == "k1"
    assert sealed.mac is not None
    assert len(sealed.mac) == 64
    assert mac_matches(sealed, keys)
    assert entry().mac is None
    assert entry().key_id is None


def test_the_mac_depends_on_the_key() -> None:
    sealed = entry(FakeAuditKeys())
    other = FakeAuditKeys(secret=b"o" * 32)
    assert not mac_matches(sealed, other)
    assert seal_entry(entry(), other).mac != sealed.mac


def test_a_changed_hash_or_key_id_breaks_the_mac() -> None:
    keys = FakeAuditKeys()
    keys.rotate("k2", b"2" * 32)
    sealed = entry(keys)
    assert not mac_matches(dataclasses.replace(sealed, entry_hash="a" * 64), keys)
    assert not mac_matches(dataclasses.replace(sealed, key_id="k1"), keys)
    assert not mac_matches(dataclasses.replace(sealed, mac=None), keys)


def test_an_unknown_key_is_named() -> None:
    sealed = dataclasses.replace(entry(FakeAuditKeys()), key_id="gone")
    with pytest.raises(UnknownAuditKey, match="gone"):
        mac_matches(sealed, FakeAuditKeys())


def test_a_checkpoint_is_signed_and_any_change_to_it_is_seen() -> None:
    keys = FakeAuditKeys()
    head = entry(keys)
    cp = sign_checkpoint(head, keys=keys, at=T0)
    assert (cp.seq, cp.entry_hash, cp.mac, cp.key_id) == (1, head.entry_hash, head.mac, "k1")
    assert signature_problem(cp, keys) is None
    for change in ({"seq": 2}, {"entry_hash": "b" * 64}, {"mac": None}, {"at": T0.replace(2026)}):
        problem = signature_problem(dataclasses.replace(cp, **change), keys)  # type: ignore[arg-type]
        assert problem is not None
        assert "forged or altered" in problem
    assert "does not hold" in (signature_problem(cp, FakeAuditKeys(key_id="k9")) or "")


def test_entry_macs_and_checkpoint_signatures_never_stand_for_each_other() -> None:
    assert entry_mac_message("k1", "a" * 64) != checkpoint_message(
        seq=1, entry_hash="a" * 64, mac=None, at=T0, key_id="k1"
    )
    assert entry_mac_message("k1", "a" * 64).startswith(b'["liaison.audit.entry.v1"')

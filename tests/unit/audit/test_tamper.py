"""What a database administrator can do to the trail, and how ``examine`` names it.

The administrator can rewrite any row and re-hash the chain, but holds neither the MAC key
nor the checkpoints kept outside the database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.fakes import FakeAuditKeys

from liaison.audit.chain import GENESIS, entry_hash, examine, next_entry, verify
from liaison.audit.model import AuditEntry, Checkpoint
from liaison.audit.seal import seal_entry, sign_checkpoint

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def build(
    n: int, keys: FakeAuditKeys | None, *, head: AuditEntry | None = None, start: int = 0
) -> list[AuditEntry]:
    chain = []
    for i in range(start, start + n):
        head = next_entry(
            head,
            at=T0 + timedelta(seconds=i),
            actor=f"user{i % 3}",
            action="booking.read",
            subject=f"booking:{i}",
            purpose="review",
            detail={"i": i},
            keys=keys,
        )
        chain.append(head)
    return chain


def rechained(chain: list[AuditEntry], start: int, keys: FakeAuditKeys | None = None) -> None:
    """Recompute every hash from index ``start`` on, in place (with the MAC key, if given:
    an administrator who also stole the key); key ids and MACs otherwise left as they were."""
    for i in range(start, len(chain)):
        e = chain[i]
        prev = chain[i - 1].entry_hash if i else GENESIS
        digest = entry_hash(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            subject=e.subject,
            purpose=e.purpose,
            detail=e.detail,
            prev_hash=prev,
        )
        chain[i] = dataclasses.replace(e, prev_hash=prev, entry_hash=digest)
        if keys is not None:
            chain[i] = seal_entry(chain[i], keys)


def anchored(chain: list[AuditEntry], keys: FakeAuditKeys, *at: int) -> list[Checkpoint]:
    return [sign_checkpoint(chain[seq - 1], keys=keys, at=T0 + timedelta(hours=seq)) for seq in at]


def test_an_intact_maced_trail_verifies_and_is_anchored() -> None:
    keys = FakeAuditKeys()
    chain = build(20, keys)
    found = examine(chain, keys=keys, checkpoints=anchored(chain, keys, 1, 10, 20))
    assert found.breaks == []
    assert (found.entries, found.unmaced, found.checkpoints, found.unanchored) == (20, 0, 3, 0)
    assert found.anchor is not None
    assert found.anchor.seq == 20


def test_deleting_the_tail_behind_a_checkpoint_is_named() -> None:
    keys = FakeAuditKeys()
    chain = build(20, keys)
    cps = anchored(chain, keys, 20)
    breaks = examine(chain[:17], keys=keys, checkpoints=cps).breaks
    assert [b.seq for b in breaks] == [18]
    assert "entries 18..20 deleted from the tail" in breaks[0].problem
    assert examine(chain[:17], keys=keys, checkpoints=cps).unanchored == 0
    assert "the trail ends at seq 17" in breaks[0].problem


def test_a_truncated_table_is_named() -> None:
    keys = FakeAuditKeys()
    cps = anchored(build(5, keys), keys, 5)
    breaks = examine([], keys=keys, checkpoints=cps).breaks
    assert [b.seq for b in breaks] == [1]
    assert "the trail is empty" in breaks[0].problem
    assert "entries 1..5 deleted (table truncated)" in breaks[0].problem


def test_deleting_a_middle_row_is_a_gap_named_by_its_seq() -> None:
    keys = FakeAuditKeys()
    chain = build(10, keys)
    del chain[4]  # seq 5
    breaks = examine(chain, keys=keys).breaks
    assert breaks[0].seq == 6
    assert "entries 5..5 missing" in breaks[0].problem


def test_a_gap_since_the_last_checkpoint_says_so() -> None:
    keys = FakeAuditKeys()
    chain = build(10, keys)
    cps = anchored(chain, keys, 4)
    del chain[6]  # seq 7, after the checkpoint
    found = examine(chain, keys=keys, checkpoints=cps)
    assert found.breaks[0].seq == 8
    assert "entries 7..7 missing since the last checkpoint, at seq 4" in found.breaks[0].problem
    assert found.unanchored == 6


def test_an_edit_rechained_without_the_key_is_named_at_the_edit_once() -> None:
    keys = FakeAuditKeys()
    chain = build(12, keys)
    chain[4] = dataclasses.replace(chain[4], actor="mallory")  # seq 5
    rechained(chain, 4)
    hashes_only = [dataclasses.replace(e, key_id=None, mac=None) for e in chain]
    assert verify(hashes_only) == []  # the plain hash chain is fooled, as on the old trail
    breaks = examine(chain, keys=keys).breaks
    assert len(breaks) == 1
    assert breaks[0].seq == 5
    assert "MAC does not match" in breaks[0].problem
    assert "so do the 7 entries after it, through seq 12" in breaks[0].problem
    assert "re-chained without the key" in breaks[0].problem


def test_an_edit_rechained_with_a_stolen_key_is_caught_by_a_later_checkpoint() -> None:
    keys = FakeAuditKeys()
    chain = build(12, keys)
    cps = anchored(chain, keys, 8)
    chain[4] = dataclasses.replace(chain[4], actor="mallory")
    rechained(chain, 4, keys)
    breaks = examine(chain, keys=keys, checkpoints=cps).breaks
    assert [b.seq for b in breaks] == [8]
    assert "differs from the checkpoint" in breaks[0].problem


def test_a_row_replaced_after_the_tail_was_deleted_and_rewritten_is_caught() -> None:
    """Delete the anchored tail, let the application append again: the new row at the
    anchored seq is not the one the checkpoint saw."""
    keys = FakeAuditKeys()
    chain = build(10, keys)
    cps = anchored(chain, keys, 10)
    again = chain[:7] + build(3, keys, head=chain[6], start=100)
    breaks = examine(again, keys=keys, checkpoints=cps).breaks
    assert [b.seq for b in breaks] == [10]


def test_entries_before_macs_began_are_counted_not_failed() -> None:
    keys = FakeAuditKeys()
    legacy = build(4, None)
    chain = legacy + build(3, keys, head=legacy[-1], start=4)
    found = examine(chain, keys=keys)
    assert found.breaks == []
    assert found.unmaced == 4


def test_a_legacy_prefix_is_vouched_for_by_the_first_mac_after_it() -> None:
    keys = FakeAuditKeys()
    legacy = build(4, None)
    chain = legacy + build(3, keys, head=legacy[-1], start=4)
    chain[1] = dataclasses.replace(chain[1], actor="mallory")
    rechained(chain, 1)  # without the key: the first MACed entry's hash must change too
    breaks = examine(chain, keys=keys).breaks
    assert breaks[0].seq == 5
    assert "MAC does not match" in breaks[0].problem


def test_a_mac_removed_after_macs_began_is_named() -> None:
    keys = FakeAuditKeys()
    chain = build(6, keys)
    chain[3] = dataclasses.replace(chain[3], key_id=None, mac=None)
    breaks = examine(chain, keys=keys).breaks
    assert [b.seq for b in breaks] == [4]
    assert "no MAC, though entries before it have one" in breaks[0].problem


def test_every_mac_stripped_and_the_trail_rechained_is_caught_by_a_checkpoint() -> None:
    keys = FakeAuditKeys()
    chain = build(8, keys)
    cps = anchored(chain, keys, 1, 8)
    chain = [dataclasses.replace(e, key_id=None, mac=None) for e in chain]
    chain[2] = dataclasses.replace(chain[2], actor="mallory")
    rechained(chain, 2)
    breaks = examine(chain, keys=keys, checkpoints=cps).breaks
    assert [b.seq for b in breaks] == [1, 8]
    assert all("differs from the checkpoint" in b.problem for b in breaks)


def test_a_forged_checkpoint_is_named_and_not_trusted() -> None:
    keys = FakeAuditKeys()
    chain = build(5, keys)
    [cp] = anchored(chain, keys, 5)
    forged = dataclasses.replace(cp, seq=9)
    found = examine(chain, keys=keys, checkpoints=[forged])
    assert [b.seq for b in found.breaks] == [9]
    assert "signature does not verify" in found.breaks[0].problem
    assert found.anchor is None


def test_rotated_keys_verify_their_own_entries() -> None:
    keys = FakeAuditKeys()
    first = build(3, keys)
    keys.rotate("k2", b"2" * 32)
    chain = first + build(3, keys, head=first[-1], start=3)
    assert {e.key_id for e in chain} == {"k1", "k2"}
    assert examine(chain, keys=keys).breaks == []
    del keys.secrets["k1"]
    breaks = examine(chain, keys=keys).breaks
    assert [b.seq for b in breaks] == [1]
    assert "key 'k1', which the key ring does not hold" in breaks[0].problem
    assert "through seq 3" in breaks[0].problem


def test_macs_without_a_key_ring_are_not_vouched_for() -> None:
    chain = build(3, FakeAuditKeys())
    breaks = examine(chain).breaks
    assert [b.seq for b in breaks] == [1]
    assert "no audit key ring" in breaks[0].problem


TAMPERS = ["delete_tail", "delete_middle", "edit_rechain", "truncate", "edit_in_place"]


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=30),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    tamper=st.sampled_from(TAMPERS),
)
def test_every_tamper_of_an_anchored_trail_is_named_at_or_before_it(
    n: int, where: float, tamper: str
) -> None:
    """Whatever the administrator does, verification fails, and its first break is at the
    first entry touched (or, for a deleted tail, just past what is left)."""
    keys = FakeAuditKeys()
    chain = build(n, keys)
    cps = anchored(chain, keys, n)
    i = int(where * n)  # index of the entry touched
    if tamper == "delete_tail":
        chain = chain[: min(i, n - 1)]
        touched = len(chain) + 1
    elif tamper == "delete_middle":
        del chain[i]
        touched = i + 1
    elif tamper == "truncate":
        chain, touched = [], 1
    else:
        chain[i] = dataclasses.replace(chain[i], purpose="curiosity")
        if tamper == "edit_rechain":
            rechained(chain, i)
        touched = i + 1
    breaks = examine(chain, keys=keys, checkpoints=cps).breaks
    assert breaks, tamper
    first = breaks[0].seq
    assert first <= touched + 1, (tamper, touched, breaks)
    assert any(b.seq in (touched, touched + 1) for b in breaks), (tamper, touched, breaks)

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.audit.chain import GENESIS, canonical_detail, entry_hash, format_at, next_entry, verify
from liaison.audit.model import AuditEntry

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def build_chain(n: int) -> list[AuditEntry]:
    chain: list[AuditEntry] = []
    head: AuditEntry | None = None
    for i in range(n):
        head = next_entry(
            head,
            at=T0 + timedelta(seconds=i, microseconds=i),
            actor=f"user{i % 3}",
            action="booking.read",
            subject=f"booking:{i}",
            purpose="review",
            detail={"i": i, "why": "test"},
        )
        chain.append(head)
    return chain


def test_first_entry_starts_at_genesis() -> None:
    first = build_chain(1)[0]
    assert first.seq == 1
    assert first.prev_hash == GENESIS == "0" * 64
    assert len(first.entry_hash) == 64
    assert int(first.entry_hash, 16) >= 0


def test_entries_link_to_their_predecessor() -> None:
    chain = build_chain(5)
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    for prev, entry in itertools.pairwise(chain):
        assert entry.prev_hash == prev.entry_hash


def test_an_intact_chain_verifies() -> None:
    assert verify(build_chain(10)) == []
    assert verify([]) == []


def test_detail_is_canonical_json() -> None:
    assert canonical_detail({"b": 1, "a": [1, 2], "d": T0}) == (
        '{"a":[1,2],"b":1,"d":"2025-03-01 12:00:00+00:00"}'
    )
    one = next_entry(
        None, at=T0, actor="a", action="x", subject="s", purpose="p", detail={"x": 1, "y": 2}
    )
    two = next_entry(
        None, at=T0, actor="a", action="x", subject="s", purpose="p", detail={"y": 2, "x": 1}
    )
    assert one.entry_hash == two.entry_hash


def test_time_is_hashed_as_utc_with_microseconds() -> None:
    assert format_at(T0) == "2025-03-01T12:00:00.000000+00:00"
    plus2 = timezone(timedelta(hours=2))
    same_instant = T0.astimezone(plus2)
    a = next_entry(None, at=T0, actor="a", action="x", subject="s", purpose="p", detail={})
    b = next_entry(
        None, at=same_instant, actor="a", action="x", subject="s", purpose="p", detail={}
    )
    assert a.entry_hash == b.entry_hash
    assert b.at.utcoffset() == timedelta(0)


def test_naive_time_is_refused_when_writing() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_entry(
            None,
            at=datetime(2025, 1, 1),
            actor="a",
            action="x",
            subject="s",
            purpose="p",
            detail={},
        )


def test_a_store_handing_back_naive_utc_still_verifies() -> None:
    chain = [dataclasses.replace(e, at=e.at.replace(tzinfo=None)) for e in build_chain(3)]
    assert verify(chain) == []


def test_field_boundaries_are_unambiguous() -> None:
    common = {
        "seq": 1,
        "at": T0,
        "subject": "s",
        "purpose": "p",
        "detail": "{}",
        "prev_hash": GENESIS,
    }
    assert entry_hash(actor="ab", action="c", **common) != entry_hash(  # type: ignore[arg-type]
        actor="a",
        action="bc",
        **common,  # type: ignore[arg-type]
    )


EDITS: list[tuple[str, object]] = [
    ("seq", 99),
    ("at", T0 + timedelta(microseconds=1)),
    ("actor", "mallory"),
    ("action", "booking.delete"),
    ("subject", "booking:other"),
    ("purpose", "curiosity"),
    ("detail", '{"i":2,"why":"edited"}'),
    ("prev_hash", "f" * 64),
]


@pytest.mark.parametrize(("field", "value"), EDITS, ids=[f for f, _ in EDITS])
def test_an_edit_to_any_field_is_detected_at_that_entry(field: str, value: object) -> None:
    chain = build_chain(5)
    chain[2] = dataclasses.replace(chain[2], **{field: value})  # type: ignore[arg-type]
    breaks = verify(chain)
    assert breaks
    assert breaks[0].seq == chain[2].seq
    assert any(b.seq == chain[2].seq and "entry_hash" in b.problem for b in breaks)


def test_a_rehashed_edit_breaks_the_next_link() -> None:
    chain = build_chain(5)
    e = chain[2]
    forged_hash = entry_hash(
        seq=e.seq,
        at=e.at,
        actor="mallory",
        action=e.action,
        subject=e.subject,
        purpose=e.purpose,
        detail=e.detail,
        prev_hash=e.prev_hash,
    )
    chain[2] = dataclasses.replace(e, actor="mallory", entry_hash=forged_hash)
    breaks = verify(chain)
    assert [b.seq for b in breaks] == [4]
    assert "prev_hash" in breaks[0].problem


def test_an_edited_entry_hash_is_detected() -> None:
    chain = build_chain(3)
    chain[1] = dataclasses.replace(chain[1], entry_hash="a" * 64)
    breaks = verify(chain)
    assert {b.seq for b in breaks} == {2, 3}


def test_a_deleted_entry_is_detected_with_its_seq() -> None:
    chain = build_chain(6)
    del chain[3]  # seq 4
    breaks = verify(chain)
    assert breaks
    assert breaks[0].seq == 5
    assert "expected 4, found 5" in breaks[0].problem
    assert "4..4 missing" in breaks[0].problem
    assert any("prev_hash" in b.problem for b in breaks)


def test_a_deleted_first_entry_is_detected() -> None:
    breaks = verify(build_chain(4)[1:])
    assert breaks[0].seq == 2
    assert "expected 1" in breaks[0].problem


def test_a_deleted_and_renumbered_entry_is_still_detected() -> None:
    chain = build_chain(5)
    del chain[2]
    # renumbering hides the gap but not the broken link or the hashes
    chain = [dataclasses.replace(e, seq=i + 1) for i, e in enumerate(chain)]
    breaks = verify(chain)
    assert breaks
    assert breaks[0].seq == 3


def test_a_reordered_entry_is_detected() -> None:
    chain = build_chain(5)
    chain[1], chain[2] = chain[2], chain[1]
    breaks = verify(chain)
    assert breaks[0].seq == 3
    assert "expected 2, found 3" in breaks[0].problem
    assert any("out of order" in b.problem for b in breaks)


def test_a_truncated_head_needs_the_expected_count_or_hash() -> None:
    chain = build_chain(6)
    head_hash = chain[-1].entry_hash
    truncated = chain[:4]
    assert verify(truncated) == []  # a shorter chain is internally valid
    by_count = verify(truncated, expected_count=6)
    assert [(b.seq, "truncated" in b.problem) for b in by_count] == [(5, True)]
    by_hash = verify(truncated, expected_head_hash=head_hash)
    assert len(by_hash) == 1
    assert "head hash" in by_hash[0].problem
    assert verify(chain, expected_count=6, expected_head_hash=head_hash) == []


def test_an_emptied_chain_is_detected_as_truncated() -> None:
    breaks = verify([], expected_count=3)
    assert breaks[0].seq == 1
    assert "truncated" in breaks[0].problem


def test_a_tail_can_be_verified_from_a_known_entry() -> None:
    chain = build_chain(6)
    assert verify(chain[3:], first_seq=4, first_prev_hash=chain[2].entry_hash) == []


# ---- any single-byte mutation of any field of any entry is detected ----

STR_FIELDS = ("actor", "action", "subject", "purpose", "detail", "prev_hash", "entry_hash")


def _mutate_text(text: str, index: int, delta: int) -> str:
    raw = bytearray(text.encode("utf-8"))
    if not raw:
        return "\x01"
    i = index % len(raw)
    raw[i] = (raw[i] + delta) % 256
    return raw.decode("utf-8", errors="replace")


@st.composite
def chains(draw: st.DrawFn) -> list[AuditEntry]:
    n = draw(st.integers(min_value=1, max_value=8))
    head: AuditEntry | None = None
    out: list[AuditEntry] = []
    text = st.text(min_size=0, max_size=12)
    for _ in range(n):
        head = next_entry(
            head,
            at=draw(
                st.datetimes(
                    min_value=datetime(2000, 1, 1),
                    max_value=datetime(2100, 1, 1),
                    timezones=st.just(UTC),
                )
            ),
            actor=draw(text),
            action=draw(text),
            subject=draw(text),
            purpose=draw(text),
            detail=draw(st.dictionaries(text, st.integers() | text, max_size=3)),
        )
        out.append(head)
    return out


@settings(max_examples=300, deadline=None)
@given(
    chain=chains(),
    which=st.integers(min_value=0),
    field=st.sampled_from((*STR_FIELDS, "seq", "at")),
    index=st.integers(min_value=0),
    delta=st.integers(min_value=1, max_value=255),
)
def test_any_single_byte_mutation_is_detected(
    chain: list[AuditEntry], which: int, field: str, index: int, delta: int
) -> None:
    i = which % len(chain)
    entry = chain[i]
    if field == "seq":
        raw = bytearray(entry.seq.to_bytes(8, "big"))
        raw[index % 8] ^= delta
        mutated = dataclasses.replace(entry, seq=int.from_bytes(raw, "big"))
    elif field == "at":
        # one byte of the microseconds-since-epoch integer
        micros = int((entry.at - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))
        raw = bytearray(micros.to_bytes(8, "big", signed=True))
        raw[4 + index % 4] ^= delta  # the low bytes, so the time stays representable
        new = int.from_bytes(raw, "big", signed=True)
        mutated = dataclasses.replace(
            entry, at=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=new)
        )
    else:
        value = getattr(entry, field)
        new_value = _mutate_text(value, index, delta)
        if new_value == value:  # a byte flip that decoded back to the same text
            new_value = value + "\x00"
        mutated = dataclasses.replace(entry, **{field: new_value})  # type: ignore[arg-type]
    assert mutated != entry
    tampered = [*chain[:i], mutated, *chain[i + 1 :]]
    breaks = verify(tampered)
    assert breaks, f"mutation of {field} in entry {entry.seq} went undetected"
    assert breaks[0].seq in {entry.seq, mutated.seq, entry.seq + 1}

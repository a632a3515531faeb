"""Bookings from EBTS transactions built with the real FVC2002 images, and the SRE response."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from tests.fakes import FakeJurisdictionRepository, FakeUnitOfWork

from liaison.biometrics.ansi_nist import (
    FingerImage,
    Transaction,
    read_transaction,
    write_transaction,
)
from liaison.biometrics.iso19794 import load_template, read_template, write_record
from liaison.biometrics.model import FingerPosition, FingerTemplate
from liaison.bookings import transactions
from liaison.bookings.errors import DuplicateTcn, InvalidBooking, WrongAgency
from liaison.bookings.model import Booking, Charge, Decision, Response
from liaison.bookings.services import BookingSubmission, parse_fingerprints
from liaison.bookings.transactions import (
    LIAISON_ORI,
    response_fields,
    response_transaction,
    submission_from_transaction,
)
from liaison.jurisdictions.errors import UnknownAgency
from liaison.jurisdictions.model import Agency

DB1 = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "fvc2002" / "DB1_B"
TYPE2 = {
    "2.009": "BK-2024-0042",
    "2.018": "DOE,JOHN QUINCY",
    "2.020": "TX",
    "2.021": "MM",
    "2.022": "19800214",
    "2.024": "M",
    "2.045": "20240501",
    "2.047": "20240430\x1f5404 DRIVING UNDER INFLUENCE\x1e20240430\x1f1313 SIMPLE ASSAULT",
}
NCIC_MEXICO = {"MM": "MX"}  # a caller's NCIC country table, as far as this test needs it


@cache
def pixels(finger: int) -> npt.NDArray[np.uint8]:
    with Image.open(DB1 / f"10{finger}_1.tif") as image:
        return np.asarray(image.convert("L")).copy()


@cache
def template(finger: int, position: int) -> FingerTemplate:
    """The FVC2002 template of finger ``10{finger}_1``, filed under ``position``."""
    return replace(load_template(DB1 / f"10{finger}_1.iso"), position=FingerPosition(position))


@cache
def images() -> tuple[FingerImage, ...]:
    return tuple(FingerImage.from_pixels(p, pixels(p), impression=1) for p in (1, 2, 3))


def car(
    type2: dict[str, str] | None = None,
    *,
    ori: str = "TX2270000",
    tcn: str = "TX2270000-20240501-0042",
    fingers: tuple[FingerImage, ...] | None = None,
    minutiae: tuple[FingerTemplate, ...] = (),
) -> Transaction:
    """A criminal ten-print submission from a Travis County jail, fingers 1-3 imaged."""
    return Transaction(
        tot="CAR",
        dat=date(2024, 5, 1),
        dai="WVIAFIS0Z",
        ori=ori,
        tcn=tcn,
        type2=TYPE2 if type2 is None else type2,
        fingers=images() if fingers is None else fingers,
        minutiae=minutiae,
    )


def extracted() -> dict[int, bytes]:
    """The records an extractor would give for the three imaged fingers."""
    return {p: write_record([template(p, p)]) for p in (1, 2, 3)}


def submission(
    tx: Transaction | None = None, templates: dict[int, bytes] | None = None
) -> BookingSubmission:
    return submission_from_transaction(
        car() if tx is None else tx,
        templates=extracted() if templates is None else templates,
        places={"TX": "US", **NCIC_MEXICO},
    )


def test_exports() -> None:
    assert sorted(transactions.__all__) == [
        "FingerCapture",
        "LIAISON_ORI",
        "NCIC_US_PLACES",
        "TOTS",
        "TransactionSubmitted",
        "response_fields",
        "response_transaction",
        "submission_from_transaction",
        "submit_transaction",
    ]


def test_a_transaction_read_from_bytes_becomes_the_booking_it_submits() -> None:
    tx = read_transaction(write_transaction(car()))
    sub = submission(tx)
    assert (sub.tcn, sub.ori, sub.booking_number) == (
        "TX2270000-20240501-0042",
        "TX2270000",
        "BK-2024-0042",
    )
    assert sub.arrested_at == datetime(2024, 5, 1, tzinfo=UTC)
    b = sub.biographics
    assert (b.family_name, b.given_name, b.birth_date, b.sex) == (
        "DOE",
        "JOHN QUINCY",
        date(1980, 2, 14),
        "M",
    )
    assert (b.birth_place, b.claimed_citizenship) == ("US", "MX")
    assert sub.charges == (
        Charge("5404", "DRIVING UNDER INFLUENCE", felony=False),
        Charge("1313", "SIMPLE ASSAULT", felony=False),
    )
    assert sub.scheduled_release is None


def test_the_submission_carries_the_given_templates_and_they_parse() -> None:
    sub = submission()
    assert dict(sub.fingerprints) == extracted()
    fingers = parse_fingerprints(sub.fingerprints)
    assert sorted(fingers) == [1, 2, 3]
    assert fingers[FingerPosition.RIGHT_INDEX].same_as(template(2, 2))


def test_the_same_transaction_gives_the_same_digest() -> None:
    assert submission().digest() == submission(read_transaction(write_transaction(car()))).digest()


def test_type9_minutiae_fill_the_fingers_without_a_template() -> None:
    tx = car(minutiae=(template(4, 4),), fingers=images()[:2])
    sub = submission(read_transaction(write_transaction(tx)), templates={1: extracted()[1]})
    assert sorted(sub.fingerprints) == [1, 4]
    four = read_template(sub.fingerprints[4])
    assert four.position is FingerPosition.RIGHT_RING
    np.testing.assert_array_equal(four.minutiae[:, :2], template(4, 4).minutiae[:, :2])
    assert sorted(parse_fingerprints(sub.fingerprints)) == [1, 4]


def test_a_given_template_wins_over_type9_minutiae() -> None:
    tx = car(minutiae=(template(5, 1),))
    sub = submission(tx)
    assert sub.fingerprints[1] == extracted()[1]


def test_a_template_for_a_finger_without_an_image_is_refused() -> None:
    with pytest.raises(InvalidBooking, match="template for finger 7"):
        submission(templates={7: extracted()[1]})


def test_type9_minutiae_of_an_unknown_finger_are_refused() -> None:
    with pytest.raises(InvalidBooking, match="finger position 0"):
        submission(car(minutiae=(load_template(DB1 / "101_1.iso"),)))


def test_controlling_agency_names_the_booking_agency_a_state_bureau_forwards_for() -> None:
    sub = submission(car({**TYPE2, "2.073": "TX2270100"}, ori="TXDPS0000"))
    assert sub.ori == "TX2270100"


@pytest.mark.parametrize(
    ("code", "sex"), [("M", "M"), ("F", "F"), ("f", "F"), ("U", "X"), ("", "X")]
)
def test_sex_codes_other_than_m_and_f_become_x(code: str, sex: str) -> None:
    assert submission(car({**TYPE2, "2.024": code})).biographics.sex == sex


@pytest.mark.parametrize("state", ["TX", "CA", "DC", "PR", "GU", "VI"])
def test_a_us_place_of_birth_maps_to_us_by_default(state: str) -> None:
    type2 = {**TYPE2, "2.020": state, "2.021": "US"}
    sub = submission_from_transaction(car(type2), templates=extracted())
    assert (sub.biographics.birth_place, sub.biographics.claimed_citizenship) == ("US", "US")


def test_a_country_code_without_a_table_entry_is_refused_not_guessed() -> None:
    with pytest.raises(InvalidBooking, match=r"2\.021 CTZ 'MM' is not in the NCIC place table"):
        submission_from_transaction(car(), templates=extracted())


def test_absent_place_and_birth_date_stay_empty() -> None:
    type2 = {k: v for k, v in TYPE2.items() if k not in ("2.020", "2.021", "2.022")}
    b = submission(car(type2)).biographics
    assert (b.birth_place, b.claimed_citizenship, b.birth_date) == ("", "", None)


def test_a_felony_default_comes_from_the_offense_class() -> None:
    sub = submission(car({**TYPE2, "2.047": "20240430\x1f0902 MURDER"}))
    assert sub.charges == (Charge("0902", "MURDER", felony=True),)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"2.018": "JOHN DOE"}, r"2\.018 NAM 'JOHN DOE': expected 'LAST,FIRST MIDDLE'"),
        ({"2.022": "19801302"}, r"2\.022 DOB '19801302': expected a date"),
        ({"2.045": ""}, r"2\.045 DOA \(date of arrest\) is missing"),
        ({"2.045": "2024-05-01"}, r"2\.045 DOA '2024-05-01'"),
        ({"2.047": "20240430\x1fDUI"}, r"2\.047 ASL subfield 1: the literal 'DUI'"),
        ({"2.047": "20240430\x1f1313 A\x1e20240430\x1f9999 X"}, r"2\.047 ASL subfield 2: .*9999"),
    ],
)
def test_malformed_fields_are_refused_naming_the_field(
    changes: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidBooking, match=message):
        submission(car({**TYPE2, **changes}))


def test_an_empty_tcn_is_refused() -> None:
    with pytest.raises(InvalidBooking, match=r"1\.009 TCN"):
        submission(car(tcn=" "))


# --- the response -------------------------------------------------------------------------------

MADE = datetime(2024, 5, 1, 14, 30, 5, tzinfo=UTC)


def booked() -> Booking:
    sub = submission()
    return Booking(
        booking_id="b-000042",
        tcn=sub.tcn,
        ori=sub.ori,
        booking_number=sub.booking_number,
        arrested_at=sub.arrested_at,
        biographics=sub.biographics,
        charges=list(sub.charges),
        fingerprints=dict(sub.fingerprints),
        body_digest=sub.digest(),
        submitted_at=MADE,
    )


def answer(
    decision: Decision, *, status: str = "", priority: str = "", flags: tuple[str, ...] = ()
) -> Response:
    return Response(decision, status, priority, tuple(flags), MADE)


def test_response_is_an_sre_answering_the_booking_tcn() -> None:
    response = answer(Decision.MATCH, status="final_order", priority="level_1")
    tx = read_transaction(response_transaction(booked(), response))
    assert (tx.tot, tx.dai, tx.ori, tx.tcr, tx.dat) == (
        "SRE",
        "TX2270000",
        LIAISON_ORI,
        "TX2270000-20240501-0042",
        date(2024, 5, 1),
    )
    assert tx.tcn.startswith("SRE-")
    assert len(tx.tcn) <= 40
    assert tx.type1_other == {"1.014": "20240501143005Z"}
    assert (tx.nsr, tx.ntr, tx.fingers, tx.minutiae) == ("00.00", "00.00", (), ())


def test_response_says_decision_status_priority_and_flags() -> None:
    response = answer(
        Decision.POSSIBLE,
        status="nonimmigrant_overstayed",
        priority="level_2",
        flags=("verification_required", "citizenship_indicator"),
    )
    data = response_transaction(booked(), response)
    tx = read_transaction(data)
    assert tx.type2["2.059"] == "N"  # a possible match is no identification until verified
    assert response_fields(data) == {
        "DECISION": "possible",
        "STATUS": "nonimmigrant_overstayed",
        "PRIORITY": "level_2",
        "FLAGS": "verification_required citizenship_indicator",
    }


def test_a_match_is_an_identification() -> None:
    data = response_transaction(booked(), answer(Decision.MATCH, status="lpr", priority="none"))
    assert read_transaction(data).type2["2.059"] == "I"


def test_no_match_says_only_the_decision() -> None:
    data = response_transaction(booked(), answer(Decision.NO_MATCH))
    assert response_fields(data) == {"DECISION": "no_match"}


def test_response_holds_nothing_but_the_documented_fields() -> None:
    """Never watchlist or screening details: only the booking number is echoed."""
    response = answer(Decision.MATCH, status="lpr", priority="level_3", flags=("x",))
    tx = read_transaction(response_transaction(booked(), response))
    assert set(tx.type2) == {"2.009", "2.059", "2.060"}
    assert tx.type2["2.009"] == "BK-2024-0042"
    data = response_transaction(booked(), response)
    for private in (b"DOE", b"1980", b"5404", b"ASSAULT"):
        assert private not in data


def test_the_same_response_gives_the_same_bytes() -> None:
    response = answer(Decision.MATCH, status="lpr")
    assert response_transaction(booked(), response) == response_transaction(booked(), response)


def test_a_booking_without_a_number_echoes_none() -> None:
    tx = read_transaction(
        response_transaction(replace(booked(), booking_number=""), answer(Decision.NO_MATCH))
    )
    assert set(tx.type2) == {"2.059", "2.060"}


# --- submitting a transaction: read, extract (the real extractor), store ----------------------

TRAVIS = "TX2270000"
AT = datetime(2024, 5, 1, 15, 0, tzinfo=UTC)
PLACES = {"TX": "US", **NCIC_MEXICO}


def store() -> FakeUnitOfWork:
    return FakeUnitOfWork(
        jurisdictions=FakeJurisdictionRepository(
            agencies=[Agency(TRAVIS, "Travis County Sheriff's Office", "48453")]
        )
    )


def submit(
    uow: FakeUnitOfWork,
    data: bytes,
    *,
    booking_id: str = "b-1",
    ori: str | None = TRAVIS,
    **kw: Any,
) -> transactions.TransactionSubmitted:
    return transactions.submit_transaction(
        uow=uow,
        data=data,
        booking_id=booking_id,
        actor="jail:TX2270000:k1",
        at=AT,
        ori=ori,
        places=PLACES,
        **kw,
    )


def nothing_stored(uow: FakeUnitOfWork) -> None:
    assert uow.bookings.items == {}
    assert uow.jobs.rows == {}
    assert uow.audit.rows == []


@cache
def two_fingers() -> bytes:
    """Fingers 2 and 3 (FVC2002 DB1 102_1, 103_1), rolled, WSQ: what most tests send."""
    return write_transaction(car(fingers=images()[1:]))


def test_a_transaction_becomes_a_booking_with_extracted_minutiae_and_their_quality() -> None:
    uow = store()
    done = submit(uow, two_fingers())
    booking = done.submitted.booking
    assert done.submitted.created
    assert (booking.tcn, booking.ori, booking.booking_number) == (
        "TX2270000-20240501-0042",
        TRAVIS,
        "BK-2024-0042",
    )
    assert sorted(booking.fingerprints) == [2, 3]
    assert [c.position for c in done.captures] == [2, 3]
    assert done.extraction_seconds >= sum(c.seconds for c in done.captures) * 0.99
    for capture in done.captures:
        template = read_template(booking.fingerprints[capture.position])
        assert int(template.position) == capture.position
        assert template.quality == capture.quality > 0  # the ISO finger-quality byte
        assert template.count == capture.minutiae >= 5
        assert template.impression == 1  # rolled, as the Type-14 record said
    assert [row.key for row in uow.jobs.rows.values()] == ["b-1"]


def test_a_replay_returns_the_first_booking_without_extracting_again() -> None:
    uow = store()
    first = submit(uow, two_fingers())
    again = submit(uow, two_fingers(), booking_id="b-2")
    assert not again.submitted.created
    assert again.submitted.booking.booking_id == "b-1"
    assert (again.captures, again.extraction_seconds) == ((), 0.0)
    assert list(uow.bookings.items) == ["b-1"]
    assert len(uow.jobs.rows) == 1
    assert first.submitted.booking.body_digest == again.submitted.booking.body_digest


def test_the_same_tcn_with_other_bytes_is_refused_before_any_extraction() -> None:
    uow = store()
    submit(uow, two_fingers())
    other = write_transaction(car({**TYPE2, "2.009": "BK-OTHER"}, fingers=()))
    with pytest.raises(DuplicateTcn, match="TX2270000-20240501-0042"):
        submit(uow, other, booking_id="b-2")
    assert list(uow.bookings.items) == ["b-1"]


def test_threads_extract_the_same_records_as_one_by_one() -> None:
    alone = submit(store(), two_fingers()).submitted.booking.fingerprints
    shared = submit(store(), two_fingers(), workers=2).submitted.booking.fingerprints
    assert alone == shared


def test_plain_impressions_and_slaps_are_not_searched() -> None:
    slap = FingerImage.from_pixels(13, pixels(2), impression=0)
    uow = store()
    done = submit(uow, write_transaction(car(fingers=(images()[2], slap))))
    assert [c.position for c in done.captures] == [3]
    assert sorted(done.submitted.booking.fingerprints) == [3]


def test_an_image_is_read_at_the_resolution_its_record_declares() -> None:
    """A 1000 ppi capture: minutiae in its own pixels, its resolution in the ISO record."""
    with Image.open(DB1 / "102_1.tif") as image:
        fine = np.asarray(image.convert("L").resize((776, 748), Image.Resampling.BICUBIC))
    tx = car(fingers=(FingerImage.from_pixels(2, fine, ppi=1000, impression=1),))
    booking = submit(store(), write_transaction(tx)).submitted.booking
    template = read_template(booking.fingerprints[2])
    assert (template.width, template.height, template.resolution_ppcm) == (776, 748, 394)
    assert template.minutiae[:, 0].max() > 388  # beyond a 500 ppi image's width


def png(image: npt.NDArray[np.uint8]) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG")
    return out.getvalue()


def png_finger(position: int, image: npt.NDArray[np.uint8], *, width: int = 0) -> FingerImage:
    height, actual = image.shape
    return FingerImage(position, width or actual, height, 500, "PNG", None, png(image), 14, 1)


def test_a_png_image_is_decoded_and_searched() -> None:
    uow = store()
    done = submit(uow, write_transaction(car(fingers=(png_finger(2, pixels(2)),))))
    assert [c.position for c in done.captures] == [2]


# Each refusal: what is sent, and what the message must say. Nothing is stored for any.
def _truncated() -> bytes:
    data = two_fingers()
    return data[: len(data) - 500]


def _relength(data: bytes, tag: bytes, change: int) -> bytes:
    found = re.search(rb"(?:^|\x1c)(" + re.escape(tag) + rb":(\d+))", data)
    assert found is not None
    told = tag + b":%d" % (int(found[2]) + change)
    return data[: found.start(1)] + told + data[found.end(1) :]


def _corrupt_wsq() -> bytes:
    tx = read_transaction(two_fingers())
    raw = bytearray(tx.fingers[0].raw)
    raw[200:400] = b"\xff" * 200
    return write_transaction(replace(tx, fingers=(replace(tx.fingers[0], raw=bytes(raw)),)))


def _finger3(image: npt.NDArray[np.uint8]) -> bytes:
    return write_transaction(car(fingers=(FingerImage.from_pixels(3, image), images()[1])))


REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "truncated": (
        _truncated,
        r"malformed: record 4 \(Type-14\), field 14\.001 LEN, byte \d+: says the record is "
        r"\d+ bytes but only \d+ remain: the transaction is truncated",
    ),
    "type1 LEN lies": (
        lambda: _relength(two_fingers(), b"1.001", 9),
        r"record 1 \(Type-1\), field 1\.001 LEN, byte 6: .* the length is wrong",
    ),
    "type14 LEN overruns the file": (
        lambda: _relength(two_fingers(), b"14.001", 50_000),
        r"record 3 \(Type-14\), field 14\.001 LEN, byte \d+: says the record is \d+ bytes but "
        r"only \d+ remain",
    ),
    "corrupt WSQ": (
        _corrupt_wsq,
        r"record 3 \(Type-14\), field 14\.999 DATA, byte \d+: the WSQ stream cannot be decoded",
    ),
    "missing DOA": (
        lambda: write_transaction(
            car({k: v for k, v in TYPE2.items() if k != "2.045"}, fingers=images()[1:])
        ),
        r"2\.045 DOA \(date of arrest\) is missing",
    ),
    "missing NAM": (
        lambda: write_transaction(
            car({k: v for k, v in TYPE2.items() if k != "2.018"}, fingers=images()[1:])
        ),
        r"2\.018 NAM '': expected 'LAST,FIRST MIDDLE'",
    ),
    "not a submission": (
        lambda: write_transaction(replace(car(fingers=images()[1:]), tot="SRE")),
        r"1\.004 TOT 'SRE' is not a ten-print submission \(CAR, CNA\)",
    ),
    "an unknown finger": (
        lambda: write_transaction(car(fingers=(FingerImage.from_pixels(0, pixels(1)),))),
        r"finger image 1 \(Type-14\) has finger position 0 \(unknown\)",
    ),
    "a blank image": (
        lambda: _finger3(np.full((374, 388), 255, dtype=np.uint8)),
        r"^finger 3: unusable capture: the image is blank",
    ),
    "noise": (
        lambda: _finger3(np.random.default_rng(3).integers(0, 256, (374, 388), dtype=np.uint8)),
        r"^finger 3: unusable capture: ",
    ),
    "a PNG of another size than its record says": (
        lambda: write_transaction(car(fingers=(png_finger(2, pixels(2), width=400),))),
        r"finger 2: the PNG image is 388x374, the record says 400x374",
    ),
    "a PNG that is not one": (
        lambda: write_transaction(
            car(fingers=(replace(png_finger(2, pixels(2)), raw=b"\x89PNG not really"),))
        ),
        r"finger 2: the PNG image cannot be decoded",
    ),
    "lossless JPEG": (
        lambda: write_transaction(
            car(fingers=(replace(png_finger(2, pixels(2)), compression="JPEGL"),))
        ),
        r"finger 2: JPEGL images cannot be decoded here",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_bad_transaction_is_refused_saying_where_and_stores_nothing(case: str) -> None:
    make, message = REFUSED[case]
    uow = store()
    with pytest.raises(InvalidBooking, match=message):
        submit(uow, make())
    nothing_stored(uow)


def test_a_transaction_of_another_agency_is_refused() -> None:
    uow = store()
    with pytest.raises(WrongAgency, match="you submit for agency CA0380000, not TX2270000"):
        submit(uow, two_fingers(), ori="CA0380000")
    nothing_stored(uow)


def test_an_unregistered_agency_is_refused_after_extraction_and_stores_nothing() -> None:
    uow = store()
    data = write_transaction(car(fingers=images()[2:], ori="TX9990000"))
    with pytest.raises(UnknownAgency, match="TX9990000"):
        submit(uow, data, ori=None)
    nothing_stored(uow)


def test_a_transaction_digest_stands_for_the_fingerprints() -> None:
    """Read from a transaction, the body digest is fixed by its bytes, whatever an extractor
    makes of the images (so a replay is known before extraction)."""
    sub = replace(submission(), source_digest="ab" * 32)
    assert replace(sub, fingerprints={}).digest() == sub.digest()
    assert replace(sub, source_digest="cd" * 32).digest() != sub.digest()
    assert replace(sub, booking_number="other").digest() != sub.digest()
    assert submission().digest() != sub.digest()

"""Bookings from EBTS transactions built with the real FVC2002 images, and the SRE response."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from liaison.biometrics.ansi_nist import (
    FingerImage,
    Transaction,
    read_transaction,
    write_transaction,
)
from liaison.biometrics.iso19794 import load_template, read_template, write_record
from liaison.biometrics.model import FingerPosition, FingerTemplate
from liaison.bookings import transactions
from liaison.bookings.errors import InvalidBooking
from liaison.bookings.model import Booking, Charge, Decision, Response
from liaison.bookings.services import BookingSubmission, parse_fingerprints
from liaison.bookings.transactions import (
    LIAISON_ORI,
    response_fields,
    response_transaction,
    submission_from_transaction,
)

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
        "LIAISON_ORI",
        "NCIC_US_PLACES",
        "response_fields",
        "response_transaction",
        "submission_from_transaction",
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

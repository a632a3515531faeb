"""Booking use cases: submit, identify, respond; the review's (``liaison.bookings.review``) and
the citizenship adjudication's (``liaison.bookings.adjudication``) are re-exported here.

The pipeline is a durable queue: ``submit_booking`` stores the booking and enqueues
``identify``; the worker's ``identify_booking`` searches the ten-print and stores the result
with the response to the jail in one transaction together with the job's completion, so each
booking gets exactly one identification and one response whatever crashes in between.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from liaison.audit import services as audit
from liaison.biometrics.errors import BiometricsError
from liaison.biometrics.iso19794 import read_template
from liaison.biometrics.model import FingerPosition, FingerTemplate
from liaison.biometrics.validation import check_capture
from liaison.bookings.errors import DuplicateTcn, InvalidBooking, UnknownBooking
from liaison.bookings.model import (
    Biographics,
    Booking,
    BookingState,
    Charge,
    Decision,
    Identification,
    Response,
)
from liaison.bookings.ports import BookingsUnitOfWork, TenPrintSearch
from liaison.bookings.review import (
    DetainerRequest,
    answer_detainer,
    record_release,
    review_booking,
    review_queue,
)
from liaison.identity.citizenship import unresolved_indicators
from liaison.identity.errors import IdentityError
from liaison.identity.priority import PriorityTable, enforcement_priority, offense_class
from liaison.identity.status import derive_status
from liaison.jurisdictions.errors import UnknownAgency
from liaison.screening import services as screening
from liaison.screening.model import Subject, SubjectKind
from liaison.screening.ports import EncounterScorer, NameKeys
from liaison.transaction import KeyConflict

__all__ = [
    "IDENTIFY",
    "BookingSubmission",
    "DetainerRequest",
    "EncounterScreening",
    "Submitted",
    "answer_detainer",
    "check_submission",
    "count_bookings",
    "count_review_queue",
    "find_replay",
    "get_booking",
    "identify_booking",
    "list_bookings",
    "record_release",
    "review_booking",
    "review_queue",
    "submit_booking",
]

IDENTIFY = "identify"  # the queue's job kind for a booking waiting to be searched
PURPOSE_BOOKING = "booking identification"
EARLIEST = date(1900, 1, 1)  # no arrest or birth before this is a record, only a typing slip
ARREST_AHEAD = timedelta(days=1)  # how far a jail's clock may run ahead of ours
# bidirectional controls: a name that reads one way and displays another
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class BookingSubmission:
    """What a jail sends: the booking as the jail knows it."""

    tcn: str
    ori: str
    booking_number: str
    arrested_at: datetime
    biographics: Biographics
    charges: tuple[Charge, ...]
    fingerprints: Mapping[int, bytes]  # finger position -> ISO/IEC 19794-2 record
    scheduled_release: datetime | None = None
    # sha256 of the ANSI/NIST-ITL transaction the booking was read from, or "": when set, it
    # stands for the fingerprints in ``digest`` (the jail sent images, not what an extractor
    # made of them), so a replay is recognised before any extraction
    source_digest: str = ""

    def digest(self) -> str:
        """sha256 over a canonical form of the whole submission: a replay has the same one."""
        fingerprints = (
            {"transaction": self.source_digest}
            if self.source_digest
            else {
                str(p): hashlib.sha256(r).hexdigest() for p, r in sorted(self.fingerprints.items())
            }
        )
        body = {
            "tcn": self.tcn,
            "ori": self.ori,
            "booking_number": self.booking_number,
            "arrested_at": self.arrested_at.isoformat(),
            "biographics": asdict(self.biographics),
            "charges": [asdict(c) for c in self.charges],
            "fingerprints": fingerprints,
            "scheduled_release": self.scheduled_release.isoformat()
            if self.scheduled_release
            else None,
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Submitted:
    booking: Booking
    created: bool  # False: the same TCN and body were seen before; this is the first result


@dataclass(frozen=True)
class EncounterScreening:
    """What screening a booking's person against the watchlist needs (``bootstrap`` wires
    it): blocking keys, the scorer, and ids for the cases it opens."""

    keys: NameKeys
    scorer: EncounterScorer
    new_id: Callable[[], str]


def parse_fingerprints(records: Mapping[int, bytes]) -> dict[FingerPosition, FingerTemplate]:
    """The submitted records as templates; ``InvalidBooking`` names the first bad finger."""
    if not records:
        raise InvalidBooking("the booking carries no fingerprints: a search needs at least one")
    fingers: dict[FingerPosition, FingerTemplate] = {}
    for position, record in sorted(records.items()):
        if not 1 <= position <= 10:
            raise InvalidBooking(f"finger position {position} is not 1-10")
        try:
            template = check_capture(read_template(record), require_position=True)
        except BiometricsError as exc:
            raise InvalidBooking(f"finger {position}: {exc}") from exc
        if template.position != position:
            raise InvalidBooking(
                f"finger {position}: the record says position {int(template.position)}"
            )
        fingers[FingerPosition(position)] = template
    return fingers


def submit_booking(
    *,
    uow: BookingsUnitOfWork,
    submission: BookingSubmission,
    booking_id: str,
    actor: str,
    at: datetime,
) -> Submitted:
    """Store a booking and queue its identification, once per TCN.

    The same TCN with the same body returns the first booking unchanged (``created`` False);
    with another body it raises ``DuplicateTcn``. Nothing is stored when anything is wrong.
    """
    parse_fingerprints(submission.fingerprints)
    if not submission.tcn.strip():
        raise InvalidBooking("the TCN is empty")
    check_submission(submission, at=at)
    if not submission.charges:
        raise InvalidBooking("the booking lists no charges")
    for charge in submission.charges:
        try:
            offense_class(charge.ncic_code)
        except IdentityError as exc:
            raise InvalidBooking(f"charge {charge.ncic_code!r}: {exc}") from exc
    digest = submission.digest()
    try:
        return _store_submission(uow, submission, digest, booking_id, actor, at)
    except KeyConflict:
        # the same TCN committed by a request that raced this one (a retry overlapping its
        # first attempt): answer with what won, as for any replay, or DuplicateTcn
        with uow:
            earlier = _replayed(uow, submission.tcn, digest)
        if earlier is None:
            raise
        return Submitted(earlier, created=False)


def _store_submission(
    uow: BookingsUnitOfWork,
    submission: BookingSubmission,
    digest: str,
    booking_id: str,
    actor: str,
    at: datetime,
) -> Submitted:
    with uow:
        if uow.jurisdictions.get_agency(submission.ori) is None:
            raise UnknownAgency(f"no agency has ORI {submission.ori!r}")
        earlier = _replayed(uow, submission.tcn, digest)
        if earlier is not None:
            return Submitted(earlier, created=False)
        booking = Booking(
            booking_id=booking_id,
            tcn=submission.tcn,
            ori=submission.ori,
            booking_number=submission.booking_number,
            arrested_at=submission.arrested_at,
            biographics=submission.biographics,
            charges=list(submission.charges),
            fingerprints=dict(submission.fingerprints),
            body_digest=digest,
            submitted_at=at,
            scheduled_release=submission.scheduled_release,
        )
        uow.bookings.add(booking)
        uow.jobs.enqueue(IDENTIFY, booking_id)
        audit.record(
            uow=uow,
            actor=actor,
            action="booking.submit",
            subject=f"booking:{booking_id}",
            purpose=PURPOSE_BOOKING,
            detail={"tcn": submission.tcn, "ori": submission.ori},
            at=at,
        )
        uow.commit()
        return Submitted(booking, created=True)


def check_submission(submission: BookingSubmission, *, at: datetime) -> None:
    """``InvalidBooking`` naming the first field out of bounds: identifiers (TCN, ORI,
    booking number) are printable ASCII (no control, zero-width or bidirectional character);
    names hold no control or bidirectional character; the arrest is no earlier than 1900 and
    at most ``ARREST_AHEAD`` after ``at``; the birth date is no earlier than 1900 and not
    after the arrest."""
    for field, text in (
        ("TCN", submission.tcn),
        ("ORI", submission.ori),
        ("booking number", submission.booking_number),
    ):
        bad = next((ch for ch in text if not " " <= ch <= "~"), None)
        if bad is not None:
            raise InvalidBooking(
                f"the {field} holds U+{ord(bad):04X}: an identifier is printable ASCII"
            )
    b = submission.biographics
    for field, text in (("family name", b.family_name), ("given name", b.given_name)):
        bad = next((ch for ch in text if _not_in_names(ch)), None)
        if bad is not None:
            raise InvalidBooking(f"the {field} holds U+{ord(bad):04X}, which no name needs")
    arrested = submission.arrested_at
    if arrested.tzinfo is None:
        raise InvalidBooking("the arrest time has no time zone")
    if arrested.date() < EARLIEST or arrested > at + ARREST_AHEAD:
        raise InvalidBooking(
            f"the arrest time {arrested.isoformat()} is before {EARLIEST} or more than "
            f"{ARREST_AHEAD} ahead of now"
        )
    if b.birth_date is not None and not EARLIEST <= b.birth_date <= arrested.date():
        raise InvalidBooking(
            f"the birth date {b.birth_date} is before {EARLIEST} or after the arrest"
        )


def _not_in_names(ch: str) -> bool:
    category = unicodedata.category(ch)
    joiner = ch in "\u200c\u200d"  # Persian and Indic names are spelt with them
    return ch in _BIDI or (category[0] == "C" and not joiner) or category in ("Zl", "Zp")


def find_replay(*, uow: BookingsUnitOfWork, submission: BookingSubmission) -> Booking | None:
    """The booking stored under the submission's TCN when the body is the same (a replay),
    ``None`` when the TCN is new; ``DuplicateTcn`` when it was used with another body.

    Lets a caller skip costly work (extracting minutiae from images) for a replay; only a
    ``submission`` with a ``source_digest`` can be checked before its fingerprints exist.
    """
    with uow:
        return _replayed(uow, submission.tcn, submission.digest())


def _replayed(uow: BookingsUnitOfWork, tcn: str, digest: str) -> Booking | None:
    earlier = uow.bookings.by_tcn(tcn)
    if earlier is not None and earlier.body_digest != digest:
        # the earlier booking may be another agency's: name nothing of it
        raise DuplicateTcn(
            f"TCN {tcn} was already submitted with a different body; "
            "a new submission needs a new TCN"
        )
    return earlier


def search_booking(booking: Booking, search: TenPrintSearch) -> Identification:
    """Run the 1:N search for a booking (no database work: call it outside a transaction)."""
    return search.search(parse_fingerprints(booking.fingerprints))


def identify_booking(
    *,
    uow: BookingsUnitOfWork,
    booking_id: str,
    identification: Identification,
    priority_table: PriorityTable,
    at: datetime,
    screening_engine: EncounterScreening | None = None,
) -> Booking:
    """Store a booking's identification and its response to the jail, and screen the person
    against the watchlist (when ``screening_engine`` is given).

    Idempotent: a booking already identified keeps its first result (a job run twice after a
    crash changes nothing). The caller completes the queue job in the same unit of work, so
    the identification, the response and any screening case commit together. A watchlist hit
    opens a case for analysts and changes nothing in the response: the jail is never told.
    """
    booking = _load(uow, booking_id)
    if booking.state is not BookingState.RECEIVED:
        return booking
    booking.identification = identification
    booking.response = _response(uow, booking, identification, priority_table, at)
    if screening_engine is not None:
        screening.screen_encounter(
            uow=uow,
            subject=_subject(uow, booking, identification),
            keys=screening_engine.keys,
            scorer=screening_engine.scorer,
            new_id=screening_engine.new_id,
            at=at,
        )
    booking.state = BookingState.RESPONDED
    audit.record(
        uow=uow,
        actor="system",
        action="booking.identify",
        subject=f"booking:{booking_id}",
        purpose=PURPOSE_BOOKING,
        detail={
            "decision": identification.decision.value,
            "candidates": [c.identity_id for c in identification.candidates[:3]],
        },
        at=at,
    )
    return booking


def _subject(uow: BookingsUnitOfWork, booking: Booking, identification: Identification) -> Subject:
    """The booked person as screening sees them: the name given at booking first, then the
    names the repository holds for the identity the fingerprints matched (if they did)."""
    b = booking.biographics
    names = [f"{b.given_name} {b.family_name}".strip()]
    identity_id = None
    best = identification.candidates[0] if identification.candidates else None
    if identification.decision is Decision.MATCH and best is not None:
        identity_id = best.identity_id
        identity = uow.identities.get(best.identity_id)
        for n in identity.names if identity else []:
            full = f"{n.given} {n.family}".strip()
            if full not in names:
                names.append(full)
    nationality = b.claimed_citizenship if b.claimed_citizenship != "US" else b.birth_place
    return Subject(
        kind=SubjectKind.BOOKING,
        subject_id=booking.booking_id,
        names=tuple(names),
        dob=b.birth_date,
        nationality=nationality if nationality != "US" else "",
        identity_id=identity_id,
    )


def _response(
    uow: BookingsUnitOfWork,
    booking: Booking,
    identification: Identification,
    table: PriorityTable,
    at: datetime,
) -> Response:
    """The answer to the jail and the field office: never watchlist details."""
    best = identification.candidates[0] if identification.candidates else None
    if identification.decision is Decision.NO_MATCH or best is None:
        return Response(Decision.NO_MATCH, "", "", (), at)
    identity = uow.identities.get(best.identity_id)
    flags: list[str] = []
    if identification.decision is Decision.POSSIBLE:
        flags.append("verification_required")
    status = derive_status(
        identity.events if identity else [],
        at.date(),
        birth_country=identity.birth_country if identity else "",
    )
    indicators = unresolved_indicators(
        identity,
        birth_place=booking.biographics.birth_place,
        claimed_citizenship=booking.biographics.claimed_citizenship,
    )
    if indicators:
        flags.append("citizenship_indicator")
    priority = enforcement_priority(
        charges=[(c.ncic_code, c.felony) for c in booking.charges], status=status, table=table
    )
    return Response(identification.decision, status.category.value, priority, tuple(flags), at)


def get_booking(
    *,
    uow: BookingsUnitOfWork,
    booking_id: str,
    actor: str,
    purpose: str,
    at: datetime,
    ori: str | None = None,
) -> Booking:
    """A booking, audited as a read of personal data; ``ori`` limits it to one agency's own."""
    with uow:
        booking = _load(uow, booking_id)
        if ori is not None and booking.ori != ori:
            # the same answer as for a booking that does not exist: no probing other agencies
            raise UnknownBooking(f"no booking {booking_id}")
        _audit_read(uow, actor, f"booking:{booking_id}", purpose, at)
        uow.commit()
        return booking


def list_bookings(
    *,
    uow: BookingsUnitOfWork,
    actor: str,
    purpose: str,
    at: datetime,
    ori: str | None = None,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Booking]:
    """Bookings, newest first, of one agency (``ori``) and/or in one state, ``limit`` of them
    after the first ``offset``; audited as one read naming the bookings seen."""
    with uow:
        found = list(uow.bookings.list(ori=ori, state=state, limit=limit, offset=offset))
        audit.record(
            uow=uow,
            actor=actor,
            action="booking.list",
            subject=f"bookings:{ori or '*'}:{state or '*'}",
            purpose=purpose,
            detail={"count": len(found), "ids": [b.booking_id for b in found]},
            at=at,
        )
        uow.commit()
    return found


def count_bookings(
    *, uow: BookingsUnitOfWork, ori: str | None = None, state: str | None = None
) -> int:
    """How many bookings ``list_bookings`` pages through (a number: not audited)."""
    with uow:
        return uow.bookings.count(ori=ori, state=state)


def count_review_queue(*, uow: BookingsUnitOfWork) -> int:
    """How many bookings ``review_queue`` pages through (a number: not audited)."""
    with uow:
        return uow.bookings.review_queue_count()


def _load(uow: BookingsUnitOfWork, booking_id: str) -> Booking:
    booking = uow.bookings.get(booking_id)
    if booking is None:
        raise UnknownBooking(f"no booking {booking_id}")
    return booking


def _audit_read(
    uow: BookingsUnitOfWork, actor: str, subject: str, purpose: str, at: datetime
) -> None:
    audit.record(uow=uow, actor=actor, action="read", subject=subject, purpose=purpose, at=at)

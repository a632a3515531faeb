"""SQL implementations of every context's repository, each working in one ``Session``.

Entities go through the ORM (``orm.start_mappers``); the frozen reference records
(jurisdictions, agencies, policies, 287(g) agreements) are rows read and written with Core, one
column a dataclass field (the audit trail's table: ``audit``). ``add`` flushes at once, so a
repeated key raises ``DuplicateKey`` where the caller added it rather than at commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, func, insert, or_, select
from sqlalchemy.orm import Session

from liaison.accounts.model import ApiKey, User
from liaison.adapters.store import tables
from liaison.adapters.store.errors import translated
from liaison.bookings.model import Booking, BookingState, Decision
from liaison.detainers.model import Detainer, DetainerState
from liaison.identity.model import CitizenshipReferral, Identity, ReferralState
from liaison.jurisdictions.model import Agency, Agreement287g, DetainerPolicy, Jurisdiction

__all__ = [
    "SqlAccountRepository",
    "SqlBookingRepository",
    "SqlDetainerRepository",
    "SqlIdentityRepository",
    "SqlJurisdictionRepository",
    "SqlReferralRepository",
]

_CHUNK = 1000  # ids per IN (...) and rows per page when streaming

R = TypeVar("R")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


class SqlIdentityRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, identity: Identity) -> None:
        with translated(f"adding identity {identity.identity_id}"):
            self._session.add(identity)
            self._session.flush()

    def get(self, identity_id: int) -> Identity | None:
        with translated(f"reading identity {identity_id}"):
            return self._session.get(Identity, identity_id)

    def get_many(self, identity_ids: Iterable[int]) -> dict[int, Identity]:
        ids = sorted(set(identity_ids))
        found: dict[int, Identity] = {}
        with translated(f"reading {len(ids)} identities"):
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                query = select(Identity).where(tables.identities.c.identity_id.in_(chunk))
                found.update((i.identity_id, i) for i in self._session.scalars(query))
        return found

    def count(self) -> int:
        with translated("counting identities"):
            n = self._session.scalar(select(func.count()).select_from(tables.identities))
        return int(n or 0)

    def born_on(self, birth_date: date) -> Sequence[Identity]:
        """Everyone recorded as born on ``birth_date``, by identity id."""
        c = tables.identities.c
        query = select(Identity).where(c.birth_date == birth_date).order_by(c.identity_id)
        with translated(f"reading the identities born on {birth_date}"):
            return list(self._session.scalars(query))


class SqlBookingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, booking: Booking) -> None:
        with translated(f"adding booking {booking.booking_id} (TCN {booking.tcn})"):
            self._session.add(booking)
            self._session.flush()

    def get(self, booking_id: str) -> Booking | None:
        with translated(f"reading booking {booking_id}"):
            return self._session.get(Booking, booking_id)

    def by_tcn(self, tcn: str) -> Booking | None:
        with translated(f"reading the booking of TCN {tcn}"):
            query = select(Booking).where(tables.bookings.c.tcn == tcn)
            return self._session.scalars(query).first()

    def list(
        self,
        *,
        ori: str | None = None,
        state: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Booking]:
        """Bookings, newest submission first, of one agency and/or in one state."""
        c = tables.bookings.c
        query = (
            select(Booking)
            .where(*_booking_filter(ori, state))
            .order_by(c.submitted_at.desc(), c.booking_id.desc())
            .limit(limit)
            .offset(offset)
        )
        with translated("listing bookings"):
            return list(self._session.scalars(query))

    def count(self, *, ori: str | None = None, state: str | None = None) -> int:
        """How many bookings ``list`` pages through."""
        query = select(func.count()).select_from(tables.bookings)
        with translated("counting bookings"):
            return int(self._session.scalar(query.where(*_booking_filter(ori, state))) or 0)

    def review_queue(self, *, limit: int = 100, offset: int = 0) -> Sequence[Booking]:
        """Responded bookings with a match or possible that no officer has reviewed, oldest
        first."""
        c = tables.bookings.c
        query = (
            select(Booking)
            .where(*_awaiting_review(self._session))
            .order_by(c.submitted_at, c.booking_id)
            .limit(limit)
            .offset(offset)
        )
        with translated("reading the review queue"):
            return list(self._session.scalars(query))

    def review_queue_count(self) -> int:
        """How many bookings the review queue holds."""
        awaiting = _awaiting_review(self._session)
        query = select(func.count()).select_from(tables.bookings).where(*awaiting)
        with translated("counting the review queue"):
            return int(self._session.scalar(query) or 0)


def _awaiting_review(session: Session) -> list[ColumnElement[bool]]:
    """Responded, a match or possible, and no review yet."""
    c = tables.bookings.c
    decision = c.identification["decision"].as_string()
    reviews = (
        func.jsonb_array_length(c.reviews)
        if _dialect(session) == "postgresql"
        else func.json_array_length(c.reviews)
    )
    return [
        c.state == BookingState.RESPONDED,
        decision.in_([Decision.MATCH.value, Decision.POSSIBLE.value]),
        reviews == 0,
    ]


def _booking_filter(ori: str | None, state: str | None) -> list[ColumnElement[bool]]:
    c = tables.bookings.c
    where: list[ColumnElement[bool]] = []
    if ori is not None:
        where.append(c.ori == ori)
    if state is not None:
        where.append(c.state == BookingState(state))
    return where


class SqlDetainerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, detainer: Detainer) -> None:
        with translated(f"adding detainer {detainer.detainer_id}"):
            self._session.add(detainer)
            self._session.flush()

    def get(self, detainer_id: str) -> Detainer | None:
        with translated(f"reading detainer {detainer_id}"):
            return self._session.get(Detainer, detainer_id)

    def for_booking(self, booking_id: str) -> Sequence[Detainer]:
        """The booking's detainers, oldest first."""
        c = tables.detainers.c
        return self._detainers(
            f"reading the detainers of booking {booking_id}",
            c.booking_id == booking_id,
            order=(c.issued_at, c.detainer_id),
        )

    def open_for_identity(self, identity_id: int) -> Sequence[Detainer]:
        """The person's detainers in an open state, oldest first."""
        c = tables.detainers.c
        return self._detainers(
            f"reading the open detainers of identity {identity_id}",
            c.identity_id == identity_id,
            c.state.in_([s for s in DetainerState if s.is_open]),
            order=(c.issued_at, c.detainer_id),
        )

    def for_identity(self, identity_id: int) -> Sequence[Detainer]:
        """Every detainer lodged on the person, in any state, oldest first."""
        c = tables.detainers.c
        return self._detainers(
            f"reading the detainers of identity {identity_id}",
            c.identity_id == identity_id,
            order=(c.issued_at, c.detainer_id),
        )

    def honored_released_before(self, cutoff: datetime) -> Sequence[Detainer]:
        """Honored detainers whose recorded release time is at or before ``cutoff``, earliest
        release first."""
        c = tables.detainers.c
        return self._detainers(
            "reading honored detainers past release",
            c.state == DetainerState.HONORED,
            c.released_at <= cutoff,
            order=(c.released_at, c.detainer_id),
        )

    def list(
        self,
        *,
        ori: str | None = None,
        state: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Detainer]:
        """Detainers, newest first, held by one agency and/or in one state."""
        c = tables.detainers.c
        return self._detainers(
            "listing detainers",
            *_detainer_filter(ori, state),
            order=(c.issued_at.desc(), c.detainer_id.desc()),
            limit=limit,
            offset=offset,
        )

    def count(self, *, ori: str | None = None, state: str | None = None) -> int:
        """How many detainers ``list`` pages through."""
        query = select(func.count()).select_from(tables.detainers)
        with translated("counting detainers"):
            return int(self._session.scalar(query.where(*_detainer_filter(ori, state))) or 0)

    def _detainers(
        self,
        what: str,
        *where: ColumnElement[bool],
        order: tuple[Any, ...],
        limit: int | None = None,
        offset: int = 0,
    ) -> Sequence[Detainer]:
        query = select(Detainer).where(*where).order_by(*order)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with translated(what):
            return list(self._session.scalars(query))


def _detainer_filter(ori: str | None, state: str | None) -> list[ColumnElement[bool]]:
    c = tables.detainers.c
    where: list[ColumnElement[bool]] = []
    if ori is not None:
        where.append(c.ori == ori)
    if state is not None:
        where.append(c.state == DetainerState(state))
    return where


class SqlReferralRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, referral: CitizenshipReferral) -> None:
        with translated(f"adding citizenship referral {referral.referral_id}"):
            self._session.add(referral)
            self._session.flush()

    def get(self, referral_id: str) -> CitizenshipReferral | None:
        with translated(f"reading citizenship referral {referral_id}"):
            return self._session.get(CitizenshipReferral, referral_id)

    def for_identity(self, identity_id: int) -> Sequence[CitizenshipReferral]:
        """The person's referrals, oldest first."""
        c = tables.citizenship_referrals.c
        query = (
            select(CitizenshipReferral)
            .where(c.identity_id == identity_id)
            .order_by(c.referred_at, c.referral_id)
        )
        with translated(f"reading the citizenship referrals of identity {identity_id}"):
            return list(self._session.scalars(query))

    def list(
        self, *, state: str | None = None, limit: int = 100, offset: int = 0
    ) -> Sequence[CitizenshipReferral]:
        """Referrals oldest first (the adjudicators' queue), in one state if given."""
        c = tables.citizenship_referrals.c
        query = (
            select(CitizenshipReferral)
            .order_by(c.referred_at, c.referral_id)
            .limit(limit)
            .offset(offset)
        )
        if state is not None:
            query = query.where(c.state == ReferralState(state))
        with translated("listing citizenship referrals"):
            return list(self._session.scalars(query))

    def count(self, *, state: str | None = None) -> int:
        """How many referrals ``list`` pages through."""
        t = tables.citizenship_referrals
        query = select(func.count()).select_from(t)
        if state is not None:
            query = query.where(t.c.state == ReferralState(state))
        with translated("counting citizenship referrals"):
            return int(self._session.scalar(query) or 0)


def _row_values(record: object) -> dict[str, Any]:
    """A frozen record's fields as column values (columns are named after fields)."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}  # type: ignore[arg-type]


def _from_row(cls: type[R], row: Row[Any]) -> R:
    values = row._mapping
    return cls(**{f.name: values[f.name] for f in dataclasses.fields(cls)})  # type: ignore[arg-type]


class SqlJurisdictionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_jurisdiction(self, jurisdiction: Jurisdiction) -> None:
        with translated(f"adding jurisdiction {jurisdiction.fips}"):
            self._session.execute(insert(tables.jurisdictions).values(_row_values(jurisdiction)))

    def get_jurisdiction(self, fips: str) -> Jurisdiction | None:
        t = tables.jurisdictions
        with translated(f"reading jurisdiction {fips}"):
            row = self._session.execute(select(t).where(t.c.fips == fips)).first()
        return None if row is None else _from_row(Jurisdiction, row)

    def add_agency(self, agency: Agency) -> None:
        with translated(f"adding agency {agency.ori}"):
            self._session.execute(insert(tables.agencies).values(_row_values(agency)))

    def get_agency(self, ori: str) -> Agency | None:
        t = tables.agencies
        with translated(f"reading agency {ori}"):
            row = self._session.execute(select(t).where(t.c.ori == ori)).first()
        return None if row is None else _from_row(Agency, row)

    def agencies(self) -> Sequence[Agency]:
        """Every agency, by ORI."""
        t = tables.agencies
        with translated("listing agencies"):
            rows = self._session.execute(select(t).order_by(t.c.ori)).all()
        return [_from_row(Agency, r) for r in rows]

    def add_policy(self, policy: DetainerPolicy) -> None:
        what = f"adding the {policy.enacted_on} policy of {policy.jurisdiction_fips}"
        with translated(what):
            self._session.execute(insert(tables.detainer_policies).values(_row_values(policy)))

    def all_policies(self) -> Sequence[DetainerPolicy]:
        """Every policy ever enacted, by jurisdiction, then in enactment order."""
        t = tables.detainer_policies
        query = select(t).order_by(t.c.jurisdiction_fips, t.c.enacted_on, t.c.policy_id)
        with translated("listing detainer policies"):
            rows = self._session.execute(query).all()
        return [_from_row(DetainerPolicy, r) for r in rows]

    def policies_for(self, fips: Sequence[str]) -> Sequence[DetainerPolicy]:
        """Every policy ever enacted for any of these jurisdictions, in enactment order (and
        the order they were added, on one date)."""
        t = tables.detainer_policies
        query = (
            select(t)
            .where(t.c.jurisdiction_fips.in_(list(fips)))
            .order_by(t.c.enacted_on, t.c.policy_id)
        )
        with translated(f"reading the policies of {', '.join(fips)}"):
            rows = self._session.execute(query).all()
        return [_from_row(DetainerPolicy, r) for r in rows]

    def add_agreements(self, agreements: Sequence[Agreement287g]) -> None:
        if not agreements:
            return
        with translated(f"adding {len(agreements)} 287(g) agreements"):
            self._session.execute(
                insert(tables.agreements_287g), [_row_values(a) for a in agreements]
            )

    def agreements(self, *, snapshot: str | None = None) -> Sequence[Agreement287g]:
        """Every stored agreement, or those of one snapshot named by its label as published
        (``"2025-05-23 pm"``) or its date (``"2025-05-23"``: every snapshot of that day); by
        snapshot, then in the order they were added (the list's own order)."""
        t = tables.agreements_287g
        query = select(t).order_by(t.c.snapshot, t.c.snapshot_label, t.c.agreement_id)
        if snapshot is not None:
            named = [t.c.snapshot_label == snapshot]
            day = _day(snapshot)
            if day is not None:
                named.append(t.c.snapshot == day)
            query = query.where(or_(*named))
        with translated("listing 287(g) agreements"):
            rows = self._session.execute(query).all()
        return [_from_row(Agreement287g, r) for r in rows]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None  # a label such as "2025-05-23 pm", not a date


class SqlAccountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_user(self, user: User) -> None:
        with translated(f"adding user {user.username}"):
            self._session.add(user)
            self._session.flush()

    def get_user(self, username: str, *, for_update: bool = False) -> User | None:
        with translated(f"reading user {username}"):
            return self._session.get(User, username, with_for_update=for_update or None)

    def users(self) -> Sequence[User]:
        """Every user, by username."""
        with translated("listing users"):
            return list(self._session.scalars(select(User).order_by(tables.users.c.username)))

    def add_key(self, key: ApiKey) -> None:
        with translated(f"adding API key {key.key_id}"):
            self._session.add(key)
            self._session.flush()

    def get_key(self, key_id: str) -> ApiKey | None:
        with translated(f"reading API key {key_id}"):
            return self._session.get(ApiKey, key_id)

    def list_keys(self) -> Sequence[ApiKey]:
        """Every API key, by id."""
        with translated("listing API keys"):
            return list(self._session.scalars(select(ApiKey).order_by(tables.api_keys.c.key_id)))

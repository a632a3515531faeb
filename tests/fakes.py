"""In-memory fakes of the store's repositories and its unit of work, for unit tests of every
context (``from tests.fakes import FakeUnitOfWork``).

``FakeUnitOfWork`` carries every repository the contexts' ports name, so one instance serves as
an ``IdentityUnitOfWork``, ``DetainersUnitOfWork``, ``JurisdictionsUnitOfWork``,
``AccountsUnitOfWork``, ``AuditUnitOfWork``, ``BookingsUnitOfWork`` (with the job queue) or
``ReportingUnitOfWork``. It behaves like the store's: entering it snapshots every repository,
and leaving it without ``commit`` puts the snapshot back, so a test sees exactly what a refused
use case would have left in a real database (nothing). It counts commits and rollbacks. Objects
read before a rollback are the ones the rollback threw away: read again after a failure, as a
caller of the real store would. As in the store, a job queue's ``claim`` commits at once: a
rollback keeps the lease.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from liaison.accounts.model import ApiKey, User
from liaison.adapters.store.errors import LeaseLost
from liaison.audit.errors import UnknownAuditKey
from liaison.audit.model import AuditEntry, Checkpoint, EntryFilter
from liaison.bookings.model import Booking, BookingState, Decision
from liaison.detainers.model import Detainer, DetainerState
from liaison.identity.model import CitizenshipReferral, Identity
from liaison.jurisdictions.model import Agency, Agreement287g, DetainerPolicy, Jurisdiction
from liaison.transaction import Job

__all__ = [
    "FailingAuditRepository",
    "FakeAccountRepository",
    "FakeAuditAnchor",
    "FakeAuditKeys",
    "FakeAuditRepository",
    "FakeBookingRepository",
    "FakeDetainerRepository",
    "FakeIdentityRepository",
    "FakeJobQueue",
    "FakeJurisdictionRepository",
    "FakeReferralRepository",
    "FakeReportQueries",
    "FakeUnitOfWork",
    "JobRow",
]


class _Snapshots:
    """What a fake repository's state is, for the unit of work to save and put back.

    The default deep-copies every attribute (stored values such as a ``Detainer`` change in
    place); a repository of frozen values overrides it with cheaper shallow copies.
    """

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(vars(self))

    def restore(self, state: dict[str, Any]) -> None:
        vars(self).update(state)


class FakeAuditKeys:
    """``AuditKeys`` in memory: ``rotate`` adds a key and makes it current."""

    def __init__(self, secret: bytes = b"k" * 32, key_id: str = "k1") -> None:
        self.secrets = {key_id: secret}
        self.current_id = key_id

    def current(self) -> str:
        return self.current_id

    def mac(self, key_id: str, message: bytes) -> str:
        if key_id not in self.secrets:
            raise UnknownAuditKey(key_id)
        return hmac.new(self.secrets[key_id], message, hashlib.sha256).hexdigest()

    def rotate(self, key_id: str, secret: bytes) -> None:
        self.secrets[key_id] = secret
        self.current_id = key_id


class FakeAuditAnchor:
    """``AuditAnchor`` in memory."""

    def __init__(self) -> None:
        self.kept: list[Checkpoint] = []

    def append(self, checkpoint: Checkpoint) -> None:
        self.kept.append(checkpoint)

    def checkpoints(self) -> list[Checkpoint]:
        return list(self.kept)


class FakeAuditRepository(_Snapshots):
    """The trail in a list; ``audit_keys`` MAC new entries (None: entries go unMACed)."""

    def __init__(self, audit_keys: FakeAuditKeys | None = None) -> None:
        self.rows: list[AuditEntry] = []
        self.audit_keys = audit_keys

    def keys(self) -> FakeAuditKeys | None:
        return self.audit_keys

    def find(
        self, where: EntryFilter, *, after: int, limit: int, offset: int = 0
    ) -> list[AuditEntry]:
        found = [e for e in self.rows if e.seq > after and _matches(e, where)]
        return found[offset : offset + limit]

    def count(self, where: EntryFilter) -> int:
        return sum(1 for e in self.rows if _matches(e, where))

    def head(self) -> AuditEntry | None:
        return self.rows[-1] if self.rows else None

    def append(self, entry: AuditEntry) -> None:
        self.rows.append(entry)

    def entries(self, *, from_seq: int = 1) -> Iterator[AuditEntry]:
        return iter([e for e in self.rows if e.seq >= from_seq])

    def snapshot(self) -> dict[str, Any]:
        return {"rows": list(self.rows)}  # entries are frozen

    def restore(self, state: dict[str, Any]) -> None:
        self.rows = list(state["rows"])


def _matches(entry: AuditEntry, where: EntryFilter) -> bool:
    return (
        where.actor in (None, entry.actor)
        and where.subject in (None, entry.subject)
        and where.action in (None, entry.action)
        and (where.since is None or entry.at >= where.since)
        and (where.until is None or entry.at < where.until)
    )


class FailingAuditRepository(FakeAuditRepository):
    """Refuses the ``fail_on``-th append (1-based), as a store that loses its connection would."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.fail_on = fail_on
        self.appends = 0

    def append(self, entry: AuditEntry) -> None:
        self.appends += 1
        if self.appends == self.fail_on:
            raise RuntimeError("audit store unavailable")
        super().append(entry)


class FakeIdentityRepository(_Snapshots):
    def __init__(self, identities: Iterable[Identity] = ()) -> None:
        self.items: dict[int, Identity] = {i.identity_id: i for i in identities}

    def add(self, identity: Identity) -> None:
        self.items[identity.identity_id] = identity

    def get(self, identity_id: int) -> Identity | None:
        return self.items.get(identity_id)

    def get_many(self, identity_ids: Iterable[int]) -> dict[int, Identity]:
        return {i: self.items[i] for i in identity_ids if i in self.items}

    def count(self) -> int:
        return len(self.items)

    def born_on(self, birth_date: date) -> Sequence[Identity]:
        return [self.items[i] for i in sorted(self.items) if self.items[i].birth_date == birth_date]


class FakeReferralRepository(_Snapshots):
    def __init__(self) -> None:
        self.items: dict[str, CitizenshipReferral] = {}

    def add(self, referral: CitizenshipReferral) -> None:
        self.items[referral.referral_id] = referral

    def get(self, referral_id: str) -> CitizenshipReferral | None:
        return self.items.get(referral_id)

    def for_identity(self, identity_id: int) -> Sequence[CitizenshipReferral]:
        return [r for r in self.items.values() if r.identity_id == identity_id]

    def list(
        self, *, state: str | None = None, limit: int = 100, offset: int = 0
    ) -> Sequence[CitizenshipReferral]:
        found = [r for r in self.items.values() if state is None or r.state.value == state]
        return sorted(found, key=lambda r: r.referred_at)[offset : offset + limit]

    def count(self, *, state: str | None = None) -> int:
        return len(self.list(state=state, limit=len(self.items)))


class FakeDetainerRepository(_Snapshots):
    def __init__(self, detainers: Iterable[Detainer] = ()) -> None:
        self.items: dict[str, Detainer] = {d.detainer_id: d for d in detainers}

    def add(self, detainer: Detainer) -> None:
        self.items[detainer.detainer_id] = detainer

    def get(self, detainer_id: str) -> Detainer | None:
        return self.items.get(detainer_id)

    def for_booking(self, booking_id: str) -> Sequence[Detainer]:
        return [d for d in self.items.values() if d.booking_id == booking_id]

    def open_for_identity(self, identity_id: int) -> Sequence[Detainer]:
        return [d for d in self.items.values() if d.identity_id == identity_id and d.state.is_open]

    def for_identity(self, identity_id: int) -> Sequence[Detainer]:
        return [d for d in self.items.values() if d.identity_id == identity_id]

    def honored_released_before(self, cutoff: datetime) -> Sequence[Detainer]:
        return [
            d
            for d in self.items.values()
            if d.state is DetainerState.HONORED
            and d.released_at is not None
            and d.released_at <= cutoff
        ]

    def list(
        self,
        *,
        ori: str | None = None,
        state: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Detainer]:
        found = [
            d
            for d in self.items.values()
            if (ori is None or d.ori == ori) and (state is None or d.state.value == state)
        ]
        return sorted(found, key=lambda d: d.issued_at, reverse=True)[offset : offset + limit]

    def count(self, *, ori: str | None = None, state: str | None = None) -> int:
        return len(self.list(ori=ori, state=state, limit=len(self.items)))


class FakeJurisdictionRepository(_Snapshots):
    """Refuses a duplicate jurisdiction or agency key as the store would; records which
    jurisdictions each ``policies_for`` asked about (in ``policy_queries``)."""

    def __init__(
        self,
        *,
        jurisdictions: Iterable[Jurisdiction] = (),
        agencies: Iterable[Agency] = (),
        policies: Iterable[DetainerPolicy] = (),
    ) -> None:
        self.places: dict[str, Jurisdiction] = {j.fips: j for j in jurisdictions}
        self.agency_by_ori: dict[str, Agency] = {a.ori: a for a in agencies}
        self.policies: list[DetainerPolicy] = list(policies)
        self.agreement_rows: list[Agreement287g] = []
        self.policy_queries: list[tuple[str, ...]] = []

    def add_jurisdiction(self, jurisdiction: Jurisdiction) -> None:
        assert jurisdiction.fips not in self.places, "the store would refuse a duplicate key"
        self.places[jurisdiction.fips] = jurisdiction

    def get_jurisdiction(self, fips: str) -> Jurisdiction | None:
        return self.places.get(fips)

    def add_agency(self, agency: Agency) -> None:
        assert agency.ori not in self.agency_by_ori, "the store would refuse a duplicate key"
        self.agency_by_ori[agency.ori] = agency

    def get_agency(self, ori: str) -> Agency | None:
        return self.agency_by_ori.get(ori)

    def agencies(self) -> Sequence[Agency]:
        return list(self.agency_by_ori.values())

    def add_policy(self, policy: DetainerPolicy) -> None:
        self.policies.append(policy)

    def all_policies(self) -> Sequence[DetainerPolicy]:
        return sorted(self.policies, key=lambda p: (p.jurisdiction_fips, p.enacted_on))

    def policies_for(self, fips: Sequence[str]) -> Sequence[DetainerPolicy]:
        self.policy_queries.append(tuple(fips))
        return [p for p in self.policies if p.jurisdiction_fips in fips]

    def add_agreements(self, agreements: Sequence[Agreement287g]) -> None:
        self.agreement_rows.extend(agreements)

    def agreements(self, *, snapshot: str | None = None) -> Sequence[Agreement287g]:
        return [
            a
            for a in self.agreement_rows
            if snapshot in (None, a.snapshot_label, a.snapshot.isoformat())
        ]

    def snapshot(self) -> dict[str, Any]:
        # every stored value is frozen: copies of the collections are a snapshot (thousands of
        # counties make a deep copy on every unit of work slow)
        return {name: copy.copy(value) for name, value in vars(self).items()}

    def restore(self, state: dict[str, Any]) -> None:
        vars(self).update({name: copy.copy(value) for name, value in state.items()})


class FakeAccountRepository(_Snapshots):
    def __init__(self) -> None:
        self.by_name: dict[str, User] = {}
        self.by_id: dict[str, ApiKey] = {}

    def add_user(self, user: User) -> None:
        self.by_name[user.username] = user

    def get_user(self, username: str, *, for_update: bool = False) -> User | None:
        return self.by_name.get(username)

    def users(self) -> Sequence[User]:
        return [self.by_name[k] for k in sorted(self.by_name)]

    def add_key(self, key: ApiKey) -> None:
        self.by_id[key.key_id] = key

    def get_key(self, key_id: str) -> ApiKey | None:
        return self.by_id.get(key_id)

    def list_keys(self) -> Sequence[ApiKey]:
        return [self.by_id[k] for k in sorted(self.by_id)]


class FakeBookingRepository(_Snapshots):
    """Refuses a duplicate booking id or TCN as the store would."""

    def __init__(self, bookings: Iterable[Booking] = ()) -> None:
        self.items: dict[str, Booking] = {}
        for booking in bookings:
            self.add(booking)

    def add(self, booking: Booking) -> None:
        assert booking.booking_id not in self.items, "the store would refuse a duplicate key"
        assert self.by_tcn(booking.tcn) is None, "the store would refuse a duplicate TCN"
        self.items[booking.booking_id] = booking

    def get(self, booking_id: str) -> Booking | None:
        return self.items.get(booking_id)

    def by_tcn(self, tcn: str) -> Booking | None:
        return next((b for b in self.items.values() if b.tcn == tcn), None)

    def list(
        self,
        *,
        ori: str | None = None,
        state: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Booking]:
        found = [
            b
            for b in self.items.values()
            if (ori is None or b.ori == ori) and (state is None or b.state.value == state)
        ]
        ordered = sorted(found, key=lambda b: (b.submitted_at, b.booking_id), reverse=True)
        return ordered[offset : offset + limit]

    def count(self, *, ori: str | None = None, state: str | None = None) -> int:
        return len(self.list(ori=ori, state=state, limit=len(self.items)))

    def review_queue(self, *, limit: int = 100, offset: int = 0) -> Sequence[Booking]:
        found = [
            b
            for b in self.items.values()
            if b.state is BookingState.RESPONDED
            and b.identification is not None
            and b.identification.decision in (Decision.MATCH, Decision.POSSIBLE)
            and not b.reviews
        ]
        return sorted(found, key=lambda b: (b.submitted_at, b.booking_id))[offset : offset + limit]

    def review_queue_count(self) -> int:
        return len(self.review_queue(limit=len(self.items)))


@dataclass(frozen=True)
class JobRow:
    """One row of the fake queue, as the store's ``jobs`` table holds it."""

    job_id: int
    kind: str
    key: str
    state: str = "pending"  # pending, leased, done or failed
    attempts: int = 0
    not_before: datetime | None = None
    leased_by: str | None = None
    lease_until: datetime | None = None
    error: str | None = None


class FakeJobQueue(_Snapshots):
    """The store's queue semantics in memory: one job per (kind, key), the oldest due job
    claimed first, a lapsed lease claimable again, ``complete`` only for the attempt that still
    holds the job (``LeaseLost`` otherwise). ``claim`` commits at once, as the store's does: a
    rollback of the block it ran in keeps the lease."""

    def __init__(self) -> None:
        self.rows: dict[int, JobRow] = {}
        self.claims: list[JobRow] = []  # every lease taken, in order (each one committed)

    def enqueue(self, kind: str, key: str, *, not_before: datetime | None = None) -> None:
        if any(r.kind == kind and r.key == key for r in self.rows.values()):
            return
        job_id = len(self.rows) + 1
        self.rows[job_id] = JobRow(job_id, kind, key, not_before=not_before)

    def claim(self, *, worker: str, now: datetime, lease_seconds: float) -> Job | None:
        due = [
            r
            for r in self.rows.values()
            if (r.state == "pending" and (r.not_before is None or r.not_before <= now))
            or (r.state == "leased" and r.lease_until is not None and r.lease_until <= now)
        ]
        if not due:
            return None
        oldest = min(due, key=lambda r: r.job_id)
        row = replace(
            oldest,
            state="leased",
            leased_by=worker,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=oldest.attempts + 1,
        )
        self.rows[row.job_id] = row
        self.claims.append(row)
        return Job(job_id=row.job_id, kind=row.kind, key=row.key, attempts=row.attempts)

    def complete(self, job: Job) -> None:
        if not self._holds(job):
            raise LeaseLost(f"{job.kind} job {job.key} (attempt {job.attempts}) was claimed again")
        self.rows[job.job_id] = replace(
            self.rows[job.job_id], state="done", leased_by=None, lease_until=None
        )

    def fail(self, job: Job, *, error: str, retry_at: datetime | None) -> None:
        if not self._holds(job):
            return
        self.rows[job.job_id] = replace(
            self.rows[job.job_id],
            state="failed" if retry_at is None else "pending",
            not_before=retry_at if retry_at is not None else self.rows[job.job_id].not_before,
            leased_by=None,
            lease_until=None,
            error=error,
        )

    def pending(self) -> int:
        return sum(r.state in ("pending", "leased") for r in self.rows.values())

    def _holds(self, job: Job) -> bool:
        row = self.rows.get(job.job_id)
        return row is not None and row.state == "leased" and row.attempts == job.attempts

    def snapshot(self) -> dict[str, Any]:
        return {"rows": dict(self.rows), "claimed": len(self.claims)}  # rows are frozen

    def restore(self, state: dict[str, Any]) -> None:
        self.rows = dict(state["rows"])
        # a lease taken since the snapshot was committed at once: a rollback keeps it
        for row in self.claims[state["claimed"] :]:
            self.rows[row.job_id] = row


class FakeReportQueries:
    """Report queries computed from a fake detainer repository's histories."""

    def __init__(self, detainers: FakeDetainerRepository) -> None:
        self._detainers = detainers

    def declined_by_agency(
        self, *, start: datetime | None, end: datetime | None
    ) -> Sequence[tuple[str, int]]:
        counts: Counter[str] = Counter()
        for detainer in self._detainers.items.values():
            if any(
                step.to_state is DetainerState.DECLINED
                and (start is None or step.at >= start)
                and (end is None or step.at < end)
                for step in detainer.history
            ):
                counts[detainer.ori] += 1
        return sorted(counts.items())


class FakeUnitOfWork:
    """Every context's unit of work over the fakes above, with the store's rollback."""

    def __init__(
        self,
        *,
        identities: FakeIdentityRepository | None = None,
        detainers: FakeDetainerRepository | None = None,
        jurisdictions: FakeJurisdictionRepository | None = None,
        accounts: FakeAccountRepository | None = None,
        audit: FakeAuditRepository | None = None,
        bookings: FakeBookingRepository | None = None,
        jobs: FakeJobQueue | None = None,
        referrals: FakeReferralRepository | None = None,
    ) -> None:
        self._identities = identities or FakeIdentityRepository()
        self._referrals = referrals or FakeReferralRepository()
        self._detainers = detainers or FakeDetainerRepository()
        self._jurisdictions = jurisdictions or FakeJurisdictionRepository()
        self._accounts = accounts or FakeAccountRepository()
        self._audit = audit or FakeAuditRepository()
        self._bookings = bookings or FakeBookingRepository()
        self._jobs = jobs or FakeJobQueue()
        self._reports = FakeReportQueries(self._detainers)
        self.commits = 0
        self.rollbacks = 0
        self._saved: dict[str, dict[str, Any]] | None = None  # set while a block is open

    @property
    def identities(self) -> FakeIdentityRepository:
        return self._identities

    @property
    def referrals(self) -> FakeReferralRepository:
        return self._referrals

    @property
    def detainers(self) -> FakeDetainerRepository:
        return self._detainers

    @property
    def jurisdictions(self) -> FakeJurisdictionRepository:
        return self._jurisdictions

    @property
    def accounts(self) -> FakeAccountRepository:
        return self._accounts

    @property
    def audit(self) -> FakeAuditRepository:
        return self._audit

    @property
    def bookings(self) -> FakeBookingRepository:
        return self._bookings

    @property
    def jobs(self) -> FakeJobQueue:
        return self._jobs

    @property
    def reports(self) -> FakeReportQueries:
        return self._reports

    def _repositories(self) -> dict[str, _Snapshots]:
        return {
            "identities": self._identities,
            "referrals": self._referrals,
            "detainers": self._detainers,
            "jurisdictions": self._jurisdictions,
            "accounts": self._accounts,
            "audit": self._audit,
            "bookings": self._bookings,
            "jobs": self._jobs,
        }

    def _snapshot(self) -> dict[str, dict[str, Any]]:
        return {name: repo.snapshot() for name, repo in self._repositories().items()}

    def __enter__(self) -> Self:
        self._saved = self._snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None:
            self.rollback()

    def commit(self) -> None:
        self.commits += 1
        self._saved = None

    def rollback(self) -> None:
        """Put back what the repositories held when the open block was entered (a no-op when
        no block is open, or after ``commit``)."""
        if self._saved is None:
            return
        self.rollbacks += 1
        saved, self._saved = self._saved, None
        for name, repo in self._repositories().items():
            repo.restore(saved[name])

    def copy(self) -> FakeUnitOfWork:
        """An independent unit of work holding what this one holds now (a fixture's template:
        load once, copy per test)."""
        other = FakeUnitOfWork()
        for name, repo in other._repositories().items():
            repo.restore(self._repositories()[name].snapshot())
        return other

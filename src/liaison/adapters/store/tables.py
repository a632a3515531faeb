"""The schema: one ``MetaData`` with a table for every model, in SQLAlchemy Core.

Value objects that belong to one entity (names, events, charges, reviews, transitions, the
identification and the response) are JSON columns of that entity's row; fingerprints, which are
binary and large, have their own table. Aggregates refer to each other by id without foreign
keys, so each context can store its own records in any order (a detainer may name a booking
or identity that another process is still writing). Migrations under ``migrations/`` create
exactly this schema; a test compares the two.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)

from liaison.accounts.model import Role
from liaison.adapters.store.columns import BigId, EnumText, JsonValue, UTCDateTime
from liaison.bookings.model import (
    BookingState,
    Charge,
    Identification,
    Response,
    Review,
    Verification,
)
from liaison.detainers.model import OPEN_STATES, DetainerState, ProbableCause, Transition
from liaison.identity.model import CitizenshipRuling, ImmigrationEvent, PersonName, ReferralState
from liaison.jurisdictions.model import AgreementModel, JurisdictionKind, PolicyKind
from liaison.operations.model import (
    AssistanceAnswer,
    CustodyEventKind,
    DeclarationKind,
    DelegatedFunction,
    Metric,
)
from liaison.screening.model import (
    CaseEvent,
    CaseOutcome,
    CaseState,
    Document,
    Feature,
    HitSource,
    ListedName,
    SubjectKind,
)

__all__ = [
    "AUDIT_APPEND_ONLY_DDL",
    "agencies",
    "agreements_287g",
    "api_keys",
    "audit_entries",
    "booking_fingerprints",
    "bookings",
    "citizenship_referrals",
    "custody_events",
    "declaration_answers",
    "declaration_extensions",
    "declaration_requests",
    "declarations",
    "deployment_destinations",
    "deployments",
    "detainer_policies",
    "detainers",
    "detention_facilities",
    "identities",
    "jobs",
    "jurisdictions",
    "metadata",
    "operation_targets",
    "recorded_agreements",
    "screening_campaign_chunks",
    "screening_campaigns",
    "screening_cases",
    "users",
    "watchlist_entries",
    "watchlist_keys",
    "watchlist_versions",
    "watchlist_word_counts",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

identities = Table(
    "identities",
    metadata,
    Column("identity_id", BigId, primary_key=True, autoincrement=False),
    Column("names", JsonValue(list[PersonName]), nullable=False),
    Column("birth_date", Date),
    Column("sex", Text, nullable=False),
    Column("birth_country", Text, nullable=False),
    Column("events", JsonValue(list[ImmigrationEvent]), nullable=False),
    Column("a_number", Text, nullable=False),
    Column("citizenship_rulings", JsonValue(list[CitizenshipRuling]), nullable=False),
    Column("version", Integer, nullable=False),  # optimistic lock (orm._map_entity)
    Index(None, "a_number"),
    Index(None, "birth_date"),  # a person by name and date of birth
)

bookings = Table(
    "bookings",
    metadata,
    Column("booking_id", Text, primary_key=True),
    Column("tcn", Text, nullable=False),
    Column("ori", Text, nullable=False),
    Column("booking_number", Text, nullable=False),
    Column("arrested_at", UTCDateTime, nullable=False),
    # Biographics, one column a field (a composite in the mapping): searchable by name.
    Column("family_name", Text, nullable=False),
    Column("given_name", Text, nullable=False),
    Column("birth_date", Date),
    Column("sex", Text, nullable=False),
    Column("birth_place", Text, nullable=False),
    Column("claimed_citizenship", Text, nullable=False),
    Column("charges", JsonValue(list[Charge]), nullable=False),
    Column("body_digest", Text, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("scheduled_release", UTCDateTime),
    Column("state", EnumText(BookingState), nullable=False),
    Column("identification", JsonValue(Identification)),
    Column("response", JsonValue(Response)),
    Column("reviews", JsonValue(list[Review]), nullable=False),
    Column("version", Integer, nullable=False),  # optimistic lock (orm._map_entity)
    Column("verification", JsonValue(Verification)),  # the candidate an officer verified
    UniqueConstraint("tcn"),
    Index(None, "ori", "submitted_at"),
    Index(None, "state", "submitted_at"),
    Index(None, "ori", "arrested_at"),  # arrests per agency and period (operation targets)
)

booking_fingerprints = Table(
    "booking_fingerprints",
    metadata,
    Column(
        "booking_id",
        Text,
        ForeignKey("bookings.booking_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", SmallInteger, primary_key=True, autoincrement=False),
    Column("record", LargeBinary, nullable=False),  # ISO/IEC 19794-2, as submitted
)

# the states in which a detainer is open, as the partial unique indexes below test them
OPEN_DETAINER = text("state IN (" + ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATES)) + ")")

detainers = Table(
    "detainers",
    metadata,
    Column("detainer_id", Text, primary_key=True),
    Column("booking_id", Text, nullable=False),
    Column("identity_id", BigId, nullable=False),
    Column("ori", Text, nullable=False),
    Column("basis", EnumText(ProbableCause), nullable=False),
    Column("warrant_ref", Text, nullable=False),
    Column("judicial_warrant", Boolean, nullable=False),
    Column("issued_by", Text, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("state", EnumText(DetainerState), nullable=False),
    Column("released_at", UTCDateTime),
    Column("history", JsonValue(list[Transition]), nullable=False),
    Column("version", Integer, nullable=False),  # optimistic lock (orm._map_entity)
    Column("statement", Text, nullable=False, server_default=""),
    Index(None, "booking_id"),
    Index(None, "identity_id", "state"),
    Index(None, "state", "released_at"),
    Index(None, "ori", "issued_at"),
    # The store itself holds the line against two writers racing: one open detainer per
    # booking, and per person and holding agency (the services refuse it first, by name).
    Index(
        "uq_detainers_open_booking",
        "booking_id",
        unique=True,
        sqlite_where=OPEN_DETAINER,
        postgresql_where=OPEN_DETAINER,
    ),
    Index(
        "uq_detainers_open_identity_ori",
        "identity_id",
        "ori",
        unique=True,
        sqlite_where=OPEN_DETAINER,
        postgresql_where=OPEN_DETAINER,
    ),
)

citizenship_referrals = Table(
    "citizenship_referrals",
    metadata,
    Column("referral_id", Text, primary_key=True),
    Column("identity_id", BigId, nullable=False),
    Column("booking_id", Text, nullable=False),
    Column("referred_by", Text, nullable=False),
    Column("referred_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("indicators", JsonValue(tuple[str, ...]), nullable=False),
    Column("state", EnumText(ReferralState), nullable=False),
    Column("decided_at", UTCDateTime),
    Column("version", Integer, nullable=False),  # optimistic lock (orm._map_entity)
    Index(None, "identity_id"),
    Index(None, "state", "referred_at"),
)

jurisdictions = Table(
    "jurisdictions",
    metadata,
    Column("fips", Text, primary_key=True),
    Column("kind", EnumText(JurisdictionKind), nullable=False),
    Column("name", Text, nullable=False),
    Column("state_fips", Text, nullable=False),
    Index(None, "state_fips"),
)

agencies = Table(
    "agencies",
    metadata,
    Column("ori", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("jurisdiction_fips", Text, nullable=False),
    Column("jail", Boolean, nullable=False),
    Index(None, "jurisdiction_fips"),
)

detainer_policies = Table(
    "detainer_policies",
    metadata,
    Column("policy_id", BigId, primary_key=True, autoincrement=True),
    Column("jurisdiction_fips", Text, nullable=False),
    Column("kind", EnumText(PolicyKind), nullable=False),
    Column("enacted_on", Date, nullable=False),
    Column("offense_classes", JsonValue(tuple[str, ...]), nullable=False),
    Column("citation", Text, nullable=False),
    Index(None, "jurisdiction_fips", "enacted_on"),
)

agreements_287g = Table(
    "agreements_287g",
    metadata,
    Column("agreement_id", BigId, primary_key=True, autoincrement=True),
    Column("agency_name", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("model", EnumText(AgreementModel), nullable=False),
    Column("signed_on", Date),
    Column("snapshot", Date, nullable=False),
    Column("county", Text, nullable=False),
    Column("agency_type", Text, nullable=False),
    Column("snapshot_label", Text, nullable=False),
    Column("county_fips", Text),
    Column("ori", Text, nullable=False),
    Column("agency_id", Text, nullable=False),
    Column("zip_code", Text, nullable=False),
    Column("population_policed", BigInteger),
    Column("operating_budget", BigInteger),
    Index(None, "snapshot", "snapshot_label"),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("detail", Text, nullable=False),  # text, not JSON: the hash covers these exact bytes
    Column("prev_hash", Text, nullable=False),
    Column("entry_hash", Text, nullable=False),
    # HMAC of entry_hash under a key kept outside the database (null before MACs began)
    Column("key_id", Text),
    Column("mac", Text),
    # an auditor's reads: by actor, subject or action in seq order, or by time
    Index(None, "actor", "seq"),
    Index(None, "subject", "seq"),
    Index(None, "action", "seq"),
    Index(None, "at"),
)

users = Table(
    "users",
    metadata,
    Column("username", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("roles", JsonValue(set[Role]), nullable=False),
    Column("ori", Text),
    Column("failed_logons", Integer, nullable=False),
    Column("locked", Boolean, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("locked_until", UTCDateTime),  # NULL while locked: until an administrator unlocks
    Column("version", Integer, nullable=False),  # optimistic lock (orm._map_entity)
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", Text, primary_key=True),
    Column("secret_hash", Text, nullable=False),
    Column("ori", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("version", Integer, nullable=False),  # optimistic lock (orm._map_entity)
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("state", Text, nullable=False),  # pending, leased, done or failed (see queue.py)
    Column("attempts", Integer, nullable=False),
    Column("not_before", UTCDateTime),  # due at once when null
    Column("leased_by", Text),
    Column("lease_until", UTCDateTime),
    Column("error", Text),
    UniqueConstraint("kind", "key"),
    Index(None, "state", "id"),
)

# Append-only on PostgreSQL: a trigger refuses UPDATE, DELETE and TRUNCATE of audit entries.
# It is a second line only: whoever can disable it can edit rows, and the hash chain is what
# ``liaison audit verify`` checks, so nothing relies on the trigger being there.
# (One statement each: psycopg sends parameterless DDL as a single prepared statement.)
AUDIT_APPEND_ONLY_DDL = (
    """CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit_entries is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END
$$""",
    """CREATE TRIGGER audit_entries_no_update_delete BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
    """CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""",
)


def _on_postgresql(statement: str) -> Any:
    return DDL(statement).execute_if(dialect="postgresql")  # type: ignore[no-untyped-call]


# ``metadata.create_all`` installs the trigger as the migration does.
for _statement in AUDIT_APPEND_ONLY_DDL:
    event.listen(audit_entries, "after_create", _on_postgresql(_statement))
event.listen(
    audit_entries,
    "after_drop",
    _on_postgresql("DROP FUNCTION IF EXISTS audit_entries_append_only()"),
)


# Watchlist versions: an entry row is valid from ``version_from`` until ``version_to``
# (exclusive; NULL while current), so every published version can be read again.
watchlist_versions = Table(
    "watchlist_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("source", Text, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
)

watchlist_entries = Table(
    "watchlist_entries",
    metadata,
    Column("entry_id", Text, primary_key=True),
    Column("version_from", Integer, primary_key=True, autoincrement=False),
    Column("version_to", Integer),
    Column("digest", Text, nullable=False),
    Column("names", JsonValue(tuple[ListedName, ...]), nullable=False),
    Column("dob", Text),  # partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD
    Column("nationalities", JsonValue(tuple[str, ...]), nullable=False),
    Column("documents", JsonValue(tuple[Document, ...]), nullable=False),
    Column("biometric_identity_id", BigInteger),
    Index(None, "version_to"),
    Index(None, "biometric_identity_id"),
)

# Blocking keys of each entry row (``liaison.screening.comparators.BLOCKING_RULES`` as
# strings): how one encounter finds its candidate entries without a scan of the list.
watchlist_keys = Table(
    "watchlist_keys",
    metadata,
    Column("key", Text, primary_key=True),
    Column("entry_id", Text, primary_key=True),
    Column("version_from", Integer, primary_key=True, autoincrement=False),
)

# How many entries of a list version have a name with each word (by sound): the name-rarity
# comparator's measure of how much a shared word says, written once per publication.
watchlist_word_counts = Table(
    "watchlist_word_counts",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("word", Text, primary_key=True),
    Column("entries", Integer, nullable=False),
)

screening_cases = Table(
    "screening_cases",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("subject_kind", EnumText(SubjectKind), nullable=False),
    Column("subject_id", Text, nullable=False),
    Column("entry_id", Text, nullable=False),
    Column("list_version", Integer, nullable=False),
    Column("source", EnumText(HitSource), nullable=False),
    Column("score", Float, nullable=False),
    Column("features", JsonValue(list[Feature]), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("state", EnumText(CaseState), nullable=False),
    Column("outcome", EnumText(CaseOutcome)),
    Column("assignee", Text, nullable=False),
    Column("campaign_id", Text, nullable=False),
    Column("events", JsonValue(list[CaseEvent]), nullable=False),
    # one case per person and entry, whatever found it and however often
    UniqueConstraint("subject_kind", "subject_id", "entry_id"),
    Index(None, "state", "due_at"),
    Index(None, "campaign_id"),
)

screening_campaigns = Table(
    "screening_campaigns",
    metadata,
    Column("campaign_id", Text, primary_key=True),
    Column("list_version", Integer, nullable=False),
    Column("docket", Text, nullable=False),
    Column("chunks", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
)

screening_campaign_chunks = Table(
    "screening_campaign_chunks",
    metadata,
    Column("campaign_id", Text, primary_key=True),
    Column("chunk", Integer, primary_key=True, autoincrement=False),
    Column("done_at", UTCDateTime, nullable=False),
    Column("people", Integer, nullable=False),
    Column("hits", Integer, nullable=False),
    Column("new_cases", Integer, nullable=False),
)


# -- operations ------------------------------------------------------------------------------
# A declaration's extensions, requests and answers are child rows numbered from 0 in the order
# added: ``position`` is part of the key, so two units of work that append to one declaration
# at once cannot both take the same place (the second gets ``DuplicateKey``, not a silent
# reordering). A deployment's destinations keep the order given the same way.

declarations = Table(
    "declarations",
    metadata,
    Column("declaration_id", Text, primary_key=True),
    Column("kind", EnumText(DeclarationKind), nullable=False),
    Column("authority", Text, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("effective_at", UTCDateTime, nullable=False),
    Column("states", JsonValue(tuple[str, ...]), nullable=False),  # state FIPS codes, sorted
    Column("title", Text, nullable=False),
)


def _declaration_child(name: str, *columns: Column[Any]) -> Table:
    return Table(
        name,
        metadata,
        Column(
            "declaration_id",
            Text,
            ForeignKey("declarations.declaration_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("position", Integer, primary_key=True, autoincrement=False),
        *columns,
    )


declaration_extensions = _declaration_child(
    "declaration_extensions",
    Column("extended_at", UTCDateTime, nullable=False),
    Column("extended_by", Text, nullable=False),
    Column("authority", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("days", Integer),
)

declaration_requests = _declaration_child(
    "declaration_requests",
    Column("state_fips", Text, nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("request", Text, nullable=False),
)

declaration_answers = _declaration_child(
    "declaration_answers",
    Column("state_fips", Text, nullable=False),
    Column("answer", EnumText(AssistanceAnswer), nullable=False),
    Column("answered_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

# 287(g) agreements as the program records them (the published list is ``agreements_287g``).
recorded_agreements = Table(
    "recorded_agreements",
    metadata,
    Column("agreement_id", Text, primary_key=True),
    Column("agency_name", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("model", EnumText(AgreementModel), nullable=False),
    Column("signed_on", Date),
    Column("expires_on", Date),
    Column("terminated_on", Date),
    Column("trained_officers", Integer),
    Column("delegated_functions", JsonValue(tuple[DelegatedFunction, ...]), nullable=False),
    Column("ori", Text, nullable=False),
)

deployments = Table(
    "deployments",
    metadata,
    Column("deployment_id", Text, primary_key=True),
    Column("agency", Text, nullable=False),
    Column("agency_key", Text, nullable=False),  # ``agency.casefold()``: compared without case
    Column("unit", Text, nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("mission", Text, nullable=False),
    Index(None, "agency_key"),
)

deployment_destinations = Table(
    "deployment_destinations",
    metadata,
    Column(
        "deployment_id",
        Text,
        ForeignKey("deployments.deployment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("jurisdiction_fips", Text, nullable=False),
    Column("headcount", Integer, nullable=False),
    UniqueConstraint("deployment_id", "jurisdiction_fips"),  # a place once per deployment
)

operation_targets = Table(
    "operation_targets",
    metadata,
    Column("target_id", Text, primary_key=True),
    Column("metric", EnumText(Metric), nullable=False),
    Column("jurisdictions", JsonValue(tuple[str, ...]), nullable=False),  # FIPS codes, sorted
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("baseline_start", Date, nullable=False),
    Column("baseline_end", Date, nullable=False),
    Column("goal_percent", Float, nullable=False),
    Column("title", Text, nullable=False),
)

detention_facilities = Table(
    "detention_facilities",
    metadata,
    Column("facility_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("jurisdiction_fips", Text, nullable=False),
    Column("beds", Integer, nullable=False),
)

# ``event_id`` numbers the events in the order added, which orders the events of one day.
custody_events = Table(
    "custody_events",
    metadata,
    Column("event_id", BigId, primary_key=True, autoincrement=True),
    Column(
        "facility_id",
        Text,
        ForeignKey("detention_facilities.facility_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("kind", EnumText(CustodyEventKind), nullable=False),
    Column("on", Date, nullable=False),
    Column("people", Integer, nullable=False),
    Column("reference", Text, nullable=False),  # e.g. "detainer:D-123"; "" when none
    Index(None, "facility_id", "on", "event_id"),
    Index(None, "reference"),
)

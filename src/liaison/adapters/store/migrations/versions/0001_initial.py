"""The initial schema: identities, bookings, detainers, jurisdictions, audit, accounts, jobs.

Revision ID: 0001
Revises:
Create Date: 2025-11-23

Written out by hand (not generated at run time), with plain column types: a migration is a
record of what the schema was, so it does not import the application's column types.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)

AUDIT_APPEND_ONLY = (
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


def upgrade() -> None:
    op.create_table(
        "identities",
        sa.Column("identity_id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("names", JSON, nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=False),
        sa.Column("birth_country", sa.Text(), nullable=False),
        sa.Column("events", JSON, nullable=False),
        sa.Column("a_number", sa.Text(), nullable=False),
        sa.Column("citizenship_rulings", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("identity_id", name="pk_identities"),
    )
    op.create_index("ix_identities_a_number", "identities", ["a_number"])

    op.create_table(
        "bookings",
        sa.Column("booking_id", sa.Text(), nullable=False),
        sa.Column("tcn", sa.Text(), nullable=False),
        sa.Column("ori", sa.Text(), nullable=False),
        sa.Column("booking_number", sa.Text(), nullable=False),
        sa.Column("arrested_at", UTC_TIME, nullable=False),
        sa.Column("family_name", sa.Text(), nullable=False),
        sa.Column("given_name", sa.Text(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=False),
        sa.Column("birth_place", sa.Text(), nullable=False),
        sa.Column("claimed_citizenship", sa.Text(), nullable=False),
        sa.Column("charges", JSON, nullable=False),
        sa.Column("body_digest", sa.Text(), nullable=False),
        sa.Column("submitted_at", UTC_TIME, nullable=False),
        sa.Column("scheduled_release", UTC_TIME, nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("identification", JSON, nullable=True),
        sa.Column("response", JSON, nullable=True),
        sa.Column("reviews", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name="pk_bookings"),
        sa.UniqueConstraint("tcn", name="uq_bookings_tcn"),
    )
    op.create_index("ix_bookings_ori_submitted_at", "bookings", ["ori", "submitted_at"])
    op.create_index("ix_bookings_state_submitted_at", "bookings", ["state", "submitted_at"])

    op.create_table(
        "booking_fingerprints",
        sa.Column("booking_id", sa.Text(), nullable=False),
        sa.Column("position", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("record", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.booking_id"],
            name="fk_booking_fingerprints_booking_id_bookings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("booking_id", "position", name="pk_booking_fingerprints"),
    )

    op.create_table(
        "detainers",
        sa.Column("detainer_id", sa.Text(), nullable=False),
        sa.Column("booking_id", sa.Text(), nullable=False),
        sa.Column("identity_id", BIG_ID, nullable=False),
        sa.Column("ori", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("warrant_ref", sa.Text(), nullable=False),
        sa.Column("judicial_warrant", sa.Boolean(), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.Column("issued_at", UTC_TIME, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("released_at", UTC_TIME, nullable=True),
        sa.Column("history", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("detainer_id", name="pk_detainers"),
    )
    op.create_index("ix_detainers_booking_id", "detainers", ["booking_id"])
    op.create_index("ix_detainers_identity_id_state", "detainers", ["identity_id", "state"])
    op.create_index("ix_detainers_state_released_at", "detainers", ["state", "released_at"])
    op.create_index("ix_detainers_ori_issued_at", "detainers", ["ori", "issued_at"])

    op.create_table(
        "jurisdictions",
        sa.Column("fips", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("state_fips", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("fips", name="pk_jurisdictions"),
    )
    op.create_index("ix_jurisdictions_state_fips", "jurisdictions", ["state_fips"])

    op.create_table(
        "agencies",
        sa.Column("ori", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("jurisdiction_fips", sa.Text(), nullable=False),
        sa.Column("jail", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("ori", name="pk_agencies"),
    )
    op.create_index("ix_agencies_jurisdiction_fips", "agencies", ["jurisdiction_fips"])

    op.create_table(
        "detainer_policies",
        sa.Column("policy_id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("jurisdiction_fips", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("enacted_on", sa.Date(), nullable=False),
        sa.Column("offense_classes", JSON, nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("policy_id", name="pk_detainer_policies"),
    )
    op.create_index(
        "ix_detainer_policies_jurisdiction_fips_enacted_on",
        "detainer_policies",
        ["jurisdiction_fips", "enacted_on"],
    )

    op.create_table(
        "agreements_287g",
        sa.Column("agreement_id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("snapshot", sa.Date(), nullable=False),
        sa.Column("county", sa.Text(), nullable=False),
        sa.Column("agency_type", sa.Text(), nullable=False),
        sa.Column("snapshot_label", sa.Text(), nullable=False),
        sa.Column("county_fips", sa.Text(), nullable=True),
        sa.Column("ori", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.Text(), nullable=False),
        sa.Column("zip_code", sa.Text(), nullable=False),
        sa.Column("population_policed", sa.BigInteger(), nullable=True),
        sa.Column("operating_budget", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("agreement_id", name="pk_agreements_287g"),
    )
    op.create_index(
        "ix_agreements_287g_snapshot_snapshot_label",
        "agreements_287g",
        ["snapshot", "snapshot_label"],
    )

    op.create_table(
        "audit_entries",
        sa.Column("seq", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.Text(), nullable=False),
        sa.Column("entry_hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_entries"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in AUDIT_APPEND_ONLY:
            op.execute(statement)

    op.create_table(
        "users",
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("roles", JSON, nullable=False),
        sa.Column("ori", sa.Text(), nullable=True),
        sa.Column("failed_logons", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("username", name="pk_users"),
    )

    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("ori", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
    )

    op.create_table(
        "jobs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", UTC_TIME, nullable=True),
        sa.Column("leased_by", sa.Text(), nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.UniqueConstraint("kind", "key", name="uq_jobs_kind_key"),
    )
    op.create_index("ix_jobs_state_id", "jobs", ["state", "id"])


def downgrade() -> None:
    for table in (
        "jobs",
        "api_keys",
        "users",
        "audit_entries",
        "agreements_287g",
        "detainer_policies",
        "agencies",
        "jurisdictions",
        "detainers",
        "booking_fingerprints",
        "bookings",
        "identities",
    ):
        op.drop_table(table)  # indexes go with their tables
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")

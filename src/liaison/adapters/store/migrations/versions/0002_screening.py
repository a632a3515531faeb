"""Watchlist versions, entries and blocking keys; screening cases and campaigns.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watchlist_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("published_at", UTC_TIME, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_watchlist_versions"),
    )
    op.create_table(
        "watchlist_entries",
        sa.Column("entry_id", sa.Text(), nullable=False),
        sa.Column("version_from", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version_to", sa.Integer(), nullable=True),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("names", JSON, nullable=False),
        sa.Column("dob", sa.Text(), nullable=True),
        sa.Column("nationalities", JSON, nullable=False),
        sa.Column("documents", JSON, nullable=False),
        sa.Column("biometric_identity_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", "version_from", name="pk_watchlist_entries"),
    )
    op.create_index("ix_watchlist_entries_version_to", "watchlist_entries", ["version_to"])
    op.create_index(
        "ix_watchlist_entries_biometric_identity_id",
        "watchlist_entries",
        ["biometric_identity_id"],
    )
    op.create_table(
        "watchlist_keys",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Text(), nullable=False),
        sa.Column("version_from", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("key", "entry_id", "version_from", name="pk_watchlist_keys"),
    )
    op.create_table(
        "screening_cases",
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("subject_kind", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Text(), nullable=False),
        sa.Column("list_version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.Column("opened_at", UTC_TIME, nullable=False),
        sa.Column("due_at", UTC_TIME, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("assignee", sa.Text(), nullable=False),
        sa.Column("campaign_id", sa.Text(), nullable=False),
        sa.Column("events", JSON, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_screening_cases"),
        sa.UniqueConstraint(
            "subject_kind",
            "subject_id",
            "entry_id",
            name="uq_screening_cases_subject_kind_subject_id_entry_id",
        ),
    )
    op.create_index("ix_screening_cases_state_due_at", "screening_cases", ["state", "due_at"])
    op.create_index("ix_screening_cases_campaign_id", "screening_cases", ["campaign_id"])
    op.create_table(
        "screening_campaigns",
        sa.Column("campaign_id", sa.Text(), nullable=False),
        sa.Column("list_version", sa.Integer(), nullable=False),
        sa.Column("docket", sa.Text(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("campaign_id", name="pk_screening_campaigns"),
    )
    op.create_table(
        "screening_campaign_chunks",
        sa.Column("campaign_id", sa.Text(), nullable=False),
        sa.Column("chunk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("done_at", UTC_TIME, nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("new_cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "chunk", name="pk_screening_campaign_chunks"),
    )


def downgrade() -> None:
    for table in (
        "screening_campaign_chunks",
        "screening_campaigns",
        "screening_cases",
        "watchlist_keys",
        "watchlist_entries",
        "watchlist_versions",
    ):
        op.drop_table(table)

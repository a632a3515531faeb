"""Operations: declarations (with extensions, requests and answers), recorded 287(g)
agreements, deployments (with destinations), operation targets, detention facilities and
custody events; an index of bookings by agency and arrest time, for counting arrests.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)


def _declaration_child(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("declaration_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.declaration_id"],
            name=f"fk_{name}_declaration_id_declarations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("declaration_id", "position", name=f"pk_{name}"),
    )


def upgrade() -> None:
    op.create_index("ix_bookings_ori_arrested_at", "bookings", ["ori", "arrested_at"])

    op.create_table(
        "declarations",
        sa.Column("declaration_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("issued_at", UTC_TIME, nullable=False),
        sa.Column("effective_at", UTC_TIME, nullable=False),
        sa.Column("states", JSON, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", name="pk_declarations"),
    )
    _declaration_child(
        "declaration_extensions",
        sa.Column("extended_at", UTC_TIME, nullable=False),
        sa.Column("extended_by", sa.Text(), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
    )
    _declaration_child(
        "declaration_requests",
        sa.Column("state_fips", sa.Text(), nullable=False),
        sa.Column("requested_at", UTC_TIME, nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
    )
    _declaration_child(
        "declaration_answers",
        sa.Column("state_fips", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
    )

    op.create_table(
        "recorded_agreements",
        sa.Column("agreement_id", sa.Text(), nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("trained_officers", sa.Integer(), nullable=True),
        sa.Column("delegated_functions", JSON, nullable=False),
        sa.Column("ori", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", name="pk_recorded_agreements"),
    )

    op.create_table(
        "deployments",
        sa.Column("deployment_id", sa.Text(), nullable=False),
        sa.Column("agency", sa.Text(), nullable=False),
        sa.Column("agency_key", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("mission", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("deployment_id", name="pk_deployments"),
    )
    op.create_index("ix_deployments_agency_key", "deployments", ["agency_key"])
    op.create_table(
        "deployment_destinations",
        sa.Column("deployment_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("jurisdiction_fips", sa.Text(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.deployment_id"],
            name="fk_deployment_destinations_deployment_id_deployments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", "position", name="pk_deployment_destinations"),
        sa.UniqueConstraint(
            "deployment_id",
            "jurisdiction_fips",
            name="uq_deployment_destinations_deployment_id_jurisdiction_fips",
        ),
    )

    op.create_table(
        "operation_targets",
        sa.Column("target_id", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("jurisdictions", JSON, nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("baseline_start", sa.Date(), nullable=False),
        sa.Column("baseline_end", sa.Date(), nullable=False),
        sa.Column("goal_percent", sa.Float(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("target_id", name="pk_operation_targets"),
    )

    op.create_table(
        "detention_facilities",
        sa.Column("facility_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("jurisdiction_fips", sa.Text(), nullable=False),
        sa.Column("beds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facility_id", name="pk_detention_facilities"),
    )
    op.create_table(
        "custody_events",
        sa.Column("event_id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("facility_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["detention_facilities.facility_id"],
            name="fk_custody_events_facility_id_detention_facilities",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_custody_events"),
    )
    op.create_index(
        "ix_custody_events_facility_id_on_event_id",
        "custody_events",
        ["facility_id", "on", "event_id"],
    )
    op.create_index("ix_custody_events_reference", "custody_events", ["reference"])


def downgrade() -> None:
    for table in (
        "custody_events",
        "detention_facilities",
        "operation_targets",
        "deployment_destinations",
        "deployments",
        "recorded_agreements",
        "declaration_answers",
        "declaration_requests",
        "declaration_extensions",
        "declarations",
    ):
        op.drop_table(table)
    op.drop_index("ix_bookings_ori_arrested_at", table_name="bookings")

"""Safeguards: the verified identity of a booking, the statement a detainer's basis rests on,
citizenship referrals, and at most one open detainer per booking and per person and agency.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

The two partial unique indexes fail on a database that already holds two open detainers on
one booking (or one person at one agency): cancel the extra ones, with a reason, first.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)
OPEN = sa.text("state IN ('declined', 'honored', 'issued', 'notified_only', 'served')")


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("verification", JSON, nullable=True))
    with op.batch_alter_table("detainers") as batch:
        batch.add_column(sa.Column("statement", sa.Text(), nullable=False, server_default=""))
    for name, columns in (
        ("uq_detainers_open_booking", ["booking_id"]),
        ("uq_detainers_open_identity_ori", ["identity_id", "ori"]),
    ):
        op.create_index(
            name, "detainers", columns, unique=True, sqlite_where=OPEN, postgresql_where=OPEN
        )
    op.create_table(
        "citizenship_referrals",
        sa.Column("referral_id", sa.Text(), nullable=False),
        sa.Column("identity_id", BIG_ID, nullable=False),
        sa.Column("booking_id", sa.Text(), nullable=False),
        sa.Column("referred_by", sa.Text(), nullable=False),
        sa.Column("referred_at", UTC_TIME, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("indicators", JSON, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", name="pk_citizenship_referrals"),
    )
    op.create_index(
        "ix_citizenship_referrals_identity_id", "citizenship_referrals", ["identity_id"]
    )
    op.create_index(
        "ix_citizenship_referrals_state_referred_at",
        "citizenship_referrals",
        ["state", "referred_at"],
    )


def downgrade() -> None:
    op.drop_table("citizenship_referrals")
    op.drop_index("uq_detainers_open_identity_ori", table_name="detainers")
    op.drop_index("uq_detainers_open_booking", table_name="detainers")
    with op.batch_alter_table("detainers") as batch:
        batch.drop_column("statement")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("verification")

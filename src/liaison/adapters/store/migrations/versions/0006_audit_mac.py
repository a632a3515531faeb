"""Audit MACs: each entry records the id of the key it was MACed with and the MAC, and the
trail gains indexes for an auditor's reads (by actor, subject, action and time).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14

Entries already in the trail keep null ``key_id`` and ``mac``: they were written before MACs
began, and ``liaison audit verify`` counts them rather than failing them. The columns are
added without touching a row, so PostgreSQL's append-only trigger has nothing to refuse.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_audit_entries_actor_seq", ["actor", "seq"]),
    ("ix_audit_entries_subject_seq", ["subject", "seq"]),
    ("ix_audit_entries_action_seq", ["action", "seq"]),
    ("ix_audit_entries_at", ["at"]),
)


def upgrade() -> None:
    op.add_column("audit_entries", sa.Column("key_id", sa.Text(), nullable=True))
    op.add_column("audit_entries", sa.Column("mac", sa.Text(), nullable=True))
    for name, columns in INDEXES:
        op.create_index(name, "audit_entries", columns)


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="audit_entries")
    # batch mode: SQLite drops a column by copying the table
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("mac")
        batch.drop_column("key_id")

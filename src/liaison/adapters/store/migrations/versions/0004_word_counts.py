"""Watchlist word counts: per list version, how many entries have a name with each word (by
sound), for the name-rarity comparator of encounters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watchlist_word_counts",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version", "word", name="pk_watchlist_word_counts"),
    )


def downgrade() -> None:
    op.drop_table("watchlist_word_counts")

"""An index of identities by date of birth, for finding a person by name and date of birth
(``GET /identities?family_name=&birth_date=``: the date narrows in SQL, the name in Python).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_identities_birth_date", "identities", ["birth_date"])


def downgrade() -> None:
    op.drop_index("ix_identities_birth_date", table_name="identities")

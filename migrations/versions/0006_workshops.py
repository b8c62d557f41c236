"""Workshops a 培训师 opens; trainees join with the code until it expires (issue 13).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("trainer_id", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workshops"),
        sa.UniqueConstraint("code", name="uq_workshops_code"),
        sa.ForeignKeyConstraint(
            ["trainer_id"], ["users.id"], name="fk_workshops_trainer_id_users", ondelete="CASCADE"
        ),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("workshops")

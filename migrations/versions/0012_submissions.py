"""提交自评: each submission's immutable snapshot and content hash; 退回修改 (issue 23).

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("acknowledged", sa.JSON, nullable=False),
        sa.Column("filled_by", sa.String(100), nullable=False),
        sa.Column("leader", sa.String(100), nullable=False),
        sa.Column("submitted_by", sa.String(100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returned_by", sa.String(100), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_submissions_assessment_id_assessments",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("assessment_id", "number", name="uq_submissions_number"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("submissions")

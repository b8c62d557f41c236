"""Initial schema: units, assessments, answers.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("name", name="uq_units_name"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("round_name", sa.String(200), nullable=False),
        sa.Column("rubric_version", sa.String(50), nullable=False),
        sa.Column("profile", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_assessments_unit_id_units"),
    )
    op.create_index("ix_assessments_unit_id", "assessments", ["unit_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("criterion_id", sa.String(16), nullable=False),
        sa.Column("value", sa.String(32), nullable=True),
        sa.Column("points", sa.Float, nullable=True),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_answers_assessment_id_assessments",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "assessment_id", "criterion_id", name="uq_answers_assessment_criterion"
        ),
    )


def downgrade() -> None:
    op.drop_table("answers")
    op.drop_index("ix_assessments_unit_id", table_name="assessments")
    op.drop_table("assessments")
    op.drop_table("units")

"""The formal review: reviews, review_verdicts, review_history; assessments.predecessor_id.

``predecessor_id`` links a round made with 复制为下一轮 to the round it was copied from (NULL for
older rounds and when the predecessor is purged). On SQLite the column and its foreign key are
added with a batch rebuild of ``assessments``, keeping AUTOINCREMENT (see 0003); `Store.migrate`
turns foreign keys off meanwhile, so the rebuild does not cascade.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_PREDECESSOR = "fk_assessments_predecessor_id_assessments"


def _assessment_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["assessment_id"],
        ["assessments.id"],
        name=f"fk_{table}_assessment_id_assessments",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("assessments", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("predecessor_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            FK_PREDECESSOR, "assessments", ["predecessor_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "reviews",
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reviewers", sa.Text, nullable=False),
        sa.Column("review_date", sa.String(32), nullable=False),
        sa.Column("claims", sa.JSON, nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalised_by", sa.String(100), nullable=True),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("assessment_id", name="pk_reviews"),
        _assessment_fk("reviews"),
    )
    op.create_table(
        "review_verdicts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("criterion_id", sa.String(16), nullable=False),
        sa.Column("value", sa.String(32), nullable=True),
        sa.Column("points", sa.Float, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("site_note", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_verdicts"),
        _assessment_fk("review_verdicts"),
        sa.UniqueConstraint("assessment_id", "criterion_id", name="uq_review_verdicts_criterion"),
    )
    op.create_table(
        "review_history",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("criterion_id", sa.String(16), nullable=True),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("old", sa.JSON, nullable=True),
        sa.Column("new", sa.JSON, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_history"),
        _assessment_fk("review_history"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_review_history_assessment", "review_history", ["assessment_id"])


def downgrade() -> None:
    op.drop_index("ix_review_history_assessment", table_name="review_history")
    op.drop_table("review_history")
    op.drop_table("review_verdicts")
    op.drop_table("reviews")
    with op.batch_alter_table("assessments", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint(FK_PREDECESSOR, type_="foreignkey")
        batch.drop_column("predecessor_id")

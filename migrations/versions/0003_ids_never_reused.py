"""Ids are never reused: SQLite AUTOINCREMENT on assessments, evidence_files, answer_history.

Without it SQLite hands the highest id out again after that row is deleted, so a tab still
open on a purged assessment would write into the next new one. PostgreSQL sequences never
reuse a number: nothing to do there. The tables are rebuilt with alembic's batch mode;
`Store.migrate` turns SQLite's foreign keys off meanwhile (a DROP of ``assessments`` would
otherwise cascade to every answer) and checks them afterwards.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("assessments", "evidence_files", "answer_history")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)

"""The tables, as the head revision in ``migrations/versions`` creates them.

Change a table here and add a migration; ``tests/test_store_migrations.py`` fails when the two
differ. Ids that pages or history refer to (assessments, evidence files, history entries) are
never reused: ``sqlite_autoincrement`` here and in migration 0003 (PostgreSQL sequences never
hand out a number twice), so a tab still open on a purged assessment cannot write into a new one.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

MAX_NAME_CHARS = 200  # unit and round names


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (stored naive UTC) and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)


def _assessment_fk() -> sa.Column[int]:
    return sa.Column(
        "assessment_id",
        sa.Integer,
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        nullable=False,
    )


units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(MAX_NAME_CHARS), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False, index=True),
    sa.Column("round_name", sa.String(MAX_NAME_CHARS), nullable=False),
    sa.Column("rubric_version", sa.String(50), nullable=False),
    sa.Column("profile", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("deleted_at", UTCDateTime, nullable=True),
    # 复制为下一轮: the round this one was copied from (migration 0004)
    sa.Column(
        "predecessor_id",
        sa.Integer,
        sa.ForeignKey("assessments.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sqlite_autoincrement=True,
)


def _versioned_cells(name: str, texts: tuple[str, str], unique: str) -> sa.Table:
    """A table of versioned cells: one row per (assessment, criterion) with a choice, two
    texts and the version a compare-and-set save checks (answers and verdicts alike)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        _assessment_fk(),
        sa.Column("criterion_id", sa.String(16), nullable=False),
        sa.Column("value", sa.String(32), nullable=True),
        sa.Column("points", sa.Float, nullable=True),
        *(sa.Column(text, sa.Text, nullable=False, default="") for text in texts),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("assessment_id", "criterion_id", name=unique),
    )


answers_t = _versioned_cells("answers", ("evidence", "note"), "uq_answers_assessment_criterion")

history_t = sa.Table(
    "answer_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _assessment_fk(),
    sa.Column("criterion_id", sa.String(16), nullable=False),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("old", sa.JSON, nullable=True),
    sa.Column("new", sa.JSON, nullable=True),
    sa.Column("file_id", sa.Integer, nullable=True),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("changed_by", sa.String(100), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Index("ix_answer_history_assessment_criterion", "assessment_id", "criterion_id"),
    sqlite_autoincrement=True,
)

files_t = sa.Table(
    "evidence_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _assessment_fk(),
    sa.Column("criterion_id", sa.String(16), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("uploaded_by", sa.String(100), nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("removed_at", UTCDateTime, nullable=True),
    sa.Column("removed_by", sa.String(100), nullable=True),
    sa.Index("ix_evidence_files_assessment_criterion", "assessment_id", "criterion_id"),
    sqlite_autoincrement=True,
)

# The formal review (migration 0004): at most one per assessment, its verdicts per criterion and
# its own history (state changes and verdict edits). The unit's answers are never touched.
reviews_t = sa.Table(
    "reviews",
    metadata,
    sa.Column(
        "assessment_id",
        sa.Integer,
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("reviewers", sa.Text, nullable=False, default=""),
    sa.Column("review_date", sa.String(32), nullable=False, default=""),
    sa.Column("claims", sa.JSON, nullable=True),  # the unit's answers when finalised
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("finalised_by", sa.String(100), nullable=True),
    sa.Column("finalised_at", UTCDateTime, nullable=True),
)

verdicts_t = _versioned_cells(
    "review_verdicts", ("reason", "site_note"), "uq_review_verdicts_criterion"
)

review_history_t = sa.Table(
    "review_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _assessment_fk(),
    sa.Column("criterion_id", sa.String(16), nullable=True),  # None for state events
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("old", sa.JSON, nullable=True),
    sa.Column("new", sa.JSON, nullable=True),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("changed_by", sa.String(100), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Index("ix_review_history_assessment", "assessment_id"),
)


# ---- accounts (issue 13, migration 0005) ----------------------------------------------------

users_t = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=True),  # None: OIDC sign-in only
    sa.Column("must_change", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("password_changed_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled_at", UTCDateTime, nullable=True),
    sqlite_autoincrement=True,
)

# The units a 填报人 fills in (one) or an 评估组 member reads (those assigned).
user_units_t = sa.Table(
    "user_units",
    metadata,
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    ),
)

audit_t = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("address", sa.String(64), nullable=False, default=""),
    sqlite_autoincrement=True,
)

# ---- workshops (issue 13, migration 0006) ---------------------------------------------------

# A 培训师's workshop: trainees join with its code (the practice profile key 培训班) and a
# display name until it expires; no account is created for them.
workshops_t = sa.Table(
    "workshops",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(100), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column(
        "trainer_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sqlite_autoincrement=True,
)

# ---- logins (issue 13, migration 0007) ------------------------------------------------------

# A browser's login, so that it survives a reload and a server process that dies (the Streamlit
# session lives in one process's memory; this row is in the database every process shares).
# The browser holds the token in an HttpOnly cookie; only SHA-256s are kept here. A trainee's
# login has no user_id and names its workshop.
logins_t = sa.Table(
    "logins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=True, unique=True),  # set with the cookie
    sa.Column("code_hash", sa.String(64), nullable=True, unique=True),  # until then
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("workshop", sa.String(100), nullable=False, default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
    sa.Column("cookie_set_at", UTCDateTime, nullable=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Index("ix_logins_user_id", "user_id"),
    sqlite_autoincrement=True,
)

# 提交自评 (migration 0012): each submission of an assessment, with the immutable snapshot the
# panel reviews and its content hash; the latest one, unless returned (退回修改), makes the
# assessment read-only to the unit.
submissions_t = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _assessment_fk(),
    sa.Column("number", sa.Integer, nullable=False),  # 1, 2, … per assessment
    sa.Column("snapshot", sa.JSON, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("acknowledged", sa.JSON, nullable=False),  # gaps the submitter confirmed
    sa.Column("filled_by", sa.String(100), nullable=False),  # 填表人
    sa.Column("leader", sa.String(100), nullable=False),  # 单位负责人
    sa.Column("submitted_by", sa.String(100), nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("returned_by", sa.String(100), nullable=True),
    sa.Column("returned_at", UTCDateTime, nullable=True),
    sa.Column("return_reason", sa.Text, nullable=True),
    sa.UniqueConstraint("assessment_id", "number", name="uq_submissions_number"),
    sqlite_autoincrement=True,
)

# ---- sign-in throttling (issue 21, migration 0008) ------------------------------------------

# Failed attempts per key: an account name (known or not), a client address, an account's
# password change, an address's workshop joins (jiguan.store.throttle). A key whose last
# failure is older than throttle.WINDOW starts over.
throttle_t = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("next_at", UTCDateTime, nullable=True),  # no attempt before this time
    sa.Column("last_at", UTCDateTime, nullable=False),
)

# 整改台账 (migration 0013): one 整改事项 per (assessment, indicator that lost points), versioned
# (compare-and-set on ``version``); closed automatically (``closed_at``, ``closed_note``) when
# the indicator no longer loses points, never deleted; ``carried_from`` names the previous
# round's item it was copied from (复制为下一轮).
rectification_t = sa.Table(
    "rectification_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _assessment_fk(),
    sa.Column("indicator_id", sa.Integer, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # panel / self
    sa.Column("points_lost", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),  # 扣分理由, prefilled
    sa.Column("measures", sa.Text, nullable=False),  # 整改措施
    sa.Column("department", sa.String(100), nullable=False),  # 责任部门
    sa.Column("owner", sa.String(100), nullable=False),  # 责任人
    sa.Column("due_date", sa.Date, nullable=True),  # 完成时限
    sa.Column("progress", sa.Text, nullable=False),  # 完成情况
    sa.Column("evidence", sa.Text, nullable=False),  # 完成佐证, one per line
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("verified_by", sa.String(100), nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("closed_note", sa.Text, nullable=False),
    sa.Column("carried_from", sa.Integer, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("assessment_id", "indicator_id", name="uq_rectification_indicator"),
    sqlite_autoincrement=True,
)

# 整改事项的完成佐证文件 (migration 0014): files attached to a 整改事项, kept like the answers'
# evidence files (content in the one `BlobStore` by SHA-256, display name only, soft removal) but
# in a table of their own, keyed by the item: the answers' file queries (attachment counts,
# submissions' snapshots, the evidence package, 复制为下一轮) stay about criteria.
rectification_files_t = sa.Table(
    "rectification_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _assessment_fk(),
    sa.Column(
        "item_id",
        sa.Integer,
        sa.ForeignKey("rectification_items.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("uploaded_by", sa.String(100), nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("removed_at", UTCDateTime, nullable=True),
    sa.Column("removed_by", sa.String(100), nullable=True),
    sqlite_autoincrement=True,
)

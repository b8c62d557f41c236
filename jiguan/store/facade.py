"""`Store`: the one object callers use. Each method is one transaction (or two, for files),
bounded in time (see `engine`), with driver errors turned into `StoreError`s (see `errors`);
the queries themselves live in `assessments`, `answers`, `files` and `history`."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from jiguan.cells import ANSWER_CELL
from jiguan.rubric import Rubric
from jiguan.scoring import Answer
from jiguan.store import answers as answers_q
from jiguan.store import assessments as assessments_q
from jiguan.store import files as files_q
from jiguan.store import overview as overview_q
from jiguan.store import rectification as rectification_q
from jiguan.store import submissions as submissions_q
from jiguan.store.blobs import BlobStore, sha256
from jiguan.store.config import (
    DEFAULT_MAX_FILE_BYTES,
    MIGRATIONS_DIR,
    StoreConfig,
    load_config,
    normalise_url,
    op_timeout_seconds,
)
from jiguan.store.engine import Database
from jiguan.store.errors import ConflictError, StoreError, assessment_deleted, guard
from jiguan.store.history import read_history
from jiguan.store.logins import Logins
from jiguan.store.overview import Sheets
from jiguan.store.records import (
    AssessmentInfo,
    EvidenceFile,
    HistoryEntry,
    SavedAnswer,
    clean_name,
    clean_profile,
    clean_user,
    now,
)
from jiguan.store.rectification import Rectification
from jiguan.store.reviews import Reviews, review_of
from jiguan.store.submissions import Submissions
from jiguan.store.uploads import check_evidence_file
from jiguan.store.users import Users
from jiguan.store.view import AssessmentView
from jiguan.store.workshops import Workshops


class Store:
    """Assessments, answers, history and evidence files in one database.

    Args:
        url: SQLAlchemy URL (``postgresql://`` is mapped to psycopg 3).
        rubric: the rubric answers are validated against.
        files_dir: where evidence file contents are stored (see `jiguan.store.blobs`).
        max_file_bytes: per-file upload limit.
        op_timeout: seconds one database call may take before it fails with
            `StoreUnavailable`; None: ``JIGUAN_DB_TIMEOUT`` or 5.

    Raises:
        StoreUnavailable: the URL is invalid or its driver is missing.
    """

    def __init__(
        self,
        url: str,
        rubric: Rubric,
        *,
        files_dir: Path,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        op_timeout: float | None = None,
    ) -> None:
        self.url = normalise_url(url)
        self.rubric = rubric
        self.max_file_bytes = int(max_file_bytes)
        self.op_timeout = op_timeout_seconds() if op_timeout is None else float(op_timeout)
        self._db = Database(self.url, op_timeout=self.op_timeout)
        self.engine = self._db.engine
        self.dialect = self._db.dialect
        self._blobs = BlobStore(Path(files_dir))
        self._rubric_order = {cid: n for n, cid in enumerate(rubric.criteria)}
        # The parts of the store for other tables, each in this store's transactions:
        self.reviews = Reviews(self._db, rubric)  # the formal review (jiguan.store.reviews)
        self.users = Users(self._db)  # accounts, units, the audit log
        self.workshops = Workshops(  # workshops and join codes
            self._db, self.users, lambda: self.list_assessments(include_deleted=True)
        )
        self.logins = Logins(self._db)  # logins kept as rows (the login cookie)
        self.submissions = Submissions(self._db, rubric)  # 提交自评 (jiguan.store.submissions)
        self.rectification = Rectification(
            self._db, rubric, self._blobs, lambda: self.max_file_bytes
        )  # 整改台账 (store.rectification)

    @classmethod
    def from_config(cls, config: StoreConfig, rubric: Rubric) -> Store:
        return cls(
            config.database_url,
            rubric,
            files_dir=config.files_dir,
            max_file_bytes=config.max_file_bytes,
            op_timeout=config.op_timeout,
        )

    @classmethod
    def from_environment(
        cls, rubric: Rubric, env: Mapping[str, str] = os.environ, **kwargs: Any
    ) -> Store:
        """The store the app uses: `load_config` (database, files dir, limits, timeout)."""
        config = load_config(env)
        return cls(
            config.database_url,
            rubric,
            files_dir=config.files_dir,
            max_file_bytes=config.max_file_bytes,
            **{"op_timeout": config.op_timeout, **kwargs},
        )

    @property
    def files_dir(self) -> Path:
        return self._blobs.files_dir

    def close(self) -> None:
        """Close pooled connections."""
        self._db.close()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"

    # The unscoped store may do everything (`StoreContract`; ScopedStore decides per caller).
    def can_read(self, info: AssessmentInfo) -> bool:
        return True

    def can_write(self, info: AssessmentInfo) -> bool:
        return True

    def can_review(self, info: AssessmentInfo) -> bool:
        return True

    def _in_rubric_order(self, by_criterion: dict[str, Any]) -> dict[str, Any]:
        order = self._rubric_order
        return dict(sorted(by_criterion.items(), key=lambda kv: order.get(kv[0], len(order))))

    # ---- schema ---------------------------------------------------------------------------

    @guard("升级数据库结构")
    def migrate(self, revision: str = "head") -> None:
        """Create or upgrade the schema with alembic (``migrations/``); safe to call at every
        start-up and from several processes at once."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("path_separator", "os")
        with self._db.migration_connection() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    @guard("读取数据库结构版本")
    def schema_revision(self) -> str | None:
        """The alembic revision the database is at (None when not initialised)."""
        import sqlalchemy as sa

        with self._db.read() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    # ---- assessments ----------------------------------------------------------------------

    @guard("读取自评列表")
    def list_assessments(self, include_deleted: bool = False) -> list[AssessmentInfo]:
        """Assessments, most recently changed first."""
        with self._db.read() as conn:
            return assessments_q.list_infos(conn, include_deleted)

    @guard("读取自评")
    def get_assessment(self, aid: int) -> AssessmentInfo:
        """One assessment (also when soft-deleted; see ``deleted_at``).

        Raises:
            NotFoundError: no such assessment (or it was purged).
        """
        with self._db.read() as conn:
            return assessments_q.get_info(conn, aid)

    @guard("读取自评")
    def stamps(self, aids: Sequence[int]) -> dict[int, datetime]:
        """When each of ``aids`` last changed (``updated_at``), in one query; for the process's
        one poll of the assessments its pages show (`jiguan.stamps`). Unscoped: callers ask only
        for assessments a session has already been allowed to read."""
        with self._db.read() as conn:
            return assessments_q.stamps(conn, list(aids))

    @guard("新建自评")
    def create_assessment(
        self, unit_name: str, round_name: str, *, profile: Mapping[str, str] | None = None
    ) -> AssessmentInfo:
        """A new, empty assessment for the unit (created if new) made with this rubric. Its id
        was never used before, even by a purged assessment."""
        unit_name = clean_name(unit_name, "单位名称")
        round_name = clean_name(round_name, "自评名称")
        clean = clean_profile(profile)
        with self._db.write() as conn:
            return assessments_q.create(conn, self.rubric, unit_name, round_name, clean, now())

    @guard("修改自评信息")
    def update_assessment(
        self,
        aid: int,
        *,
        unit_name: str | None = None,
        round_name: str | None = None,
        profile: Mapping[str, str] | None = None,
    ) -> AssessmentInfo:
        """Rename (unit and/or round) or replace the profile; None leaves a field as it is."""
        unit = None if unit_name is None else clean_name(unit_name, "单位名称")
        round_ = None if round_name is None else clean_name(round_name, "自评名称")
        clean = None if profile is None else clean_profile(profile)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            submissions_q.check_open(conn, aid)
            return assessments_q.update(
                conn, aid, unit_name=unit, round_name=round_, profile=clean, now=now()
            )

    @guard("复制自评")
    def duplicate_assessment(self, aid: int, round_name: str, *, user: str = "") -> AssessmentInfo:
        """A new round for the same unit with the answers and evidence files of ``aid``, linked
        to it (``predecessor_id``; see `rounds`).

        The copy has its own history: one "copied" entry per answer, versions start at 1. It
        is made with the current rubric; answers that no longer fit it are left out. The open
        整改事项 come along (`rectification.carry`), each naming the item it was copied from.
        """
        round_name = clean_name(round_name, "自评名称")
        with self._db.write() as conn:
            at = now()
            info = assessments_q.duplicate(conn, self.rubric, aid, round_name, user, at)
            rectification_q.carry(conn, aid, info.id, clean_user(user or "复制为下一轮"), at)
            return info

    @guard("读取历轮自评")
    def rounds(self, aid: int) -> list[AssessmentInfo]:
        """``aid`` and the rounds it was copied from, oldest first (purged ones end the chain)."""
        with self._db.read() as conn:
            return assessments_q.chain(conn, aid)

    @guard("删除自评")
    def delete_assessment(self, aid: int) -> None:
        """Soft delete: hidden from the list, restorable until purged. Refused while a
        submission stands (the panel is reviewing it)."""
        with self._db.write() as conn:
            assessments_q.lock(conn, aid, live=False)
            submissions_q.check_open(conn, aid)
            assessments_q.delete(conn, aid, now())

    @guard("恢复自评")
    def restore_assessment(self, aid: int) -> AssessmentInfo:
        """Undo a soft delete (renamed 「<name>（恢复）」 if the round name is taken meanwhile)."""
        with self._db.write() as conn:
            return assessments_q.restore(conn, aid, now())

    @guard("彻底清除自评")
    def purge_assessment(self, aid: int) -> None:
        """Hard delete a soft-deleted assessment: answers, history, file rows and the file
        contents no other assessment uses. Its id is never given out again.

        Raises:
            StoreError: the assessment is not deleted yet (delete first, then purge).
        """
        with self._db.write() as conn:
            hashes = assessments_q.purge(conn, aid)
        if hashes:
            with self._db.read() as conn:
                unused = assessments_q.unused_hashes(conn, hashes)
            self._blobs.remove(unused)

    # ---- answers --------------------------------------------------------------------------

    @guard("读取答案")
    def load_answers(self, aid: int) -> dict[str, SavedAnswer]:
        """Saved answers with their versions, in rubric order; attachments filled in."""
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            return self._in_rubric_order(answers_q.load(conn, aid))

    @guard("读取自评")
    def view(self, aid: int) -> AssessmentView:
        """The assessment with its answers, files, latest submission and review, in one
        transaction (what a page load reads; each alone was a transaction of its own).

        Raises:
            NotFoundError: no such assessment (or it was purged).
        """
        with self._db.read() as conn:
            return AssessmentView(
                info=assessments_q.get_info(conn, aid),
                answers=self._in_rubric_order(answers_q.load(conn, aid)),
                files=files_q.listing(conn, aid, None, False),
                submitted=submissions_q.latest_submission(conn, aid),
                review=review_of(conn, aid),
            )

    @guard("读取答案")
    def answers(self, aid: int) -> dict[str, Answer]:
        """The answer sheet for scoring: every saved answer, plus criteria that have files
        but no saved answer (as unanswered with ``attachments``)."""
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            return self._in_rubric_order(answers_q.sheet(conn, aid))

    @guard("保存答案")
    def save_answer(
        self,
        aid: int,
        criterion_id: str,
        answer: Answer,
        *,
        expected_version: int,
        user: str,
    ) -> SavedAnswer:
        """Save one answer if it is still at ``expected_version`` (compare-and-set).

        ``expected_version`` is the ``version`` of the SavedAnswer the user saw, 0 when none
        was saved. Saving what is already saved changes nothing (no new version, no history).
        ``answer.attachments`` is ignored (files are counted from the evidence file table).

        Raises:
            ConflictError: someone saved this criterion since; ``.current`` is what is saved.
            NotFoundError: no such assessment (or it was purged); nothing was written.
            StoreError: the answer does not fit the criterion, or the assessment is deleted.
            StoreUnavailable: the database cannot be reached; nothing was saved.
        """
        answers_q.check_answer(self.rubric, criterion_id, answer)
        user = clean_user(user)
        try:
            with self._db.write() as conn:
                assessments_q.lock(conn, aid)
                submissions_q.check_open(conn, aid)
                return answers_q.save(
                    conn, aid, criterion_id, answer, expected_version, user, now()
                )
        except sa_exc.IntegrityError:
            # Two first saves of the same criterion raced past each other; the unique
            # constraint let one in.
            with self._db.read() as conn:
                assessments_q.get_info(conn, aid)
                current = answers_q.current(conn, aid, criterion_id)
            if current is None:
                raise
            raise ConflictError(current) from None

    @guard("导入答题表")
    def replace_answers(self, aid: int, answers: Mapping[str, Answer], *, user: str) -> None:
        """Make the saved sheet equal ``answers`` in one transaction (CSV import).

        Criteria missing from ``answers`` become unanswered. Unchanged answers keep their
        version; every changed one gets a new version and a history entry. Any problem
        (an unknown criterion, an invalid answer, a database error) leaves everything as it
        was.

        Raises:
            StoreError: lists every problem (nothing is written).
        """
        refused = "答题表未导入，已保存的自评保持不变。"
        with answers_q.importing(
            self._db, ANSWER_CELL, self.rubric, (aid, answers), user, refused
        ) as (conn, by):
            submissions_q.check_open(conn, aid)
            answers_q.replace(conn, self.rubric, aid, answers, by, now())

    @guard("读取自评汇总")
    def sheets(self, aids: Sequence[int]) -> dict[int, Sheets]:
        """Answer sheets and reviews of many assessments at once (总览), in a few queries."""
        with self._db.read() as conn:
            return overview_q.read_sheets(conn, aids)

    @guard("读取修改记录")
    def history(self, aid: int, criterion_id: str | None = None) -> list[HistoryEntry]:
        """Every change, oldest first (per criterion when ``criterion_id`` is given)."""
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            return read_history(conn, aid, criterion_id)

    # ---- evidence files -------------------------------------------------------------------

    @guard("上传佐证材料")
    def add_file(
        self, aid: int, criterion_id: str, filename: str | bytes, data: bytes, *, user: str
    ) -> EvidenceFile:
        """Attach an evidence file to a criterion.

        The name is only displayed (sanitised); the content is stored by its SHA-256. Adding
        the same content to the same criterion again returns the existing file.

        Raises:
            EvidenceFileError: empty, too large, a refused type or content not matching the
                extension (nothing is stored).
        """
        shown, content_type = check_evidence_file(filename, data, self.max_file_bytes)
        if criterion_id not in self.rubric.criteria:
            raise StoreError(f"评估指引中没有评分项「{criterion_id}」")
        data = bytes(data)
        user = clean_user(user)
        sha = sha256(data)
        with self._db.read() as conn:
            if assessments_q.get_info(conn, aid).deleted:
                raise assessment_deleted()
        self._blobs.write(sha, data)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            submissions_q.check_open(conn, aid)
            return files_q.add(
                conn,
                aid,
                criterion_id,
                shown=shown,
                sha=sha,
                size=len(data),
                content_type=content_type,
                user=user,
                now=now(),
            )

    @guard("读取佐证材料列表")
    def list_files(
        self, aid: int, criterion_id: str | None = None, *, include_removed: bool = False
    ) -> list[EvidenceFile]:
        """Attached files, oldest first."""
        with self._db.read() as conn:
            assessments_q.get_info(conn, aid)
            return files_q.listing(conn, aid, criterion_id, include_removed)

    @guard("读取佐证材料")
    def get_file(self, file_id: int) -> EvidenceFile:
        with self._db.read() as conn:
            return files_q.get(conn, file_id)

    @guard("读取佐证材料")
    def read_file(self, file_id: int) -> bytes:
        """The file's bytes, checked against its SHA-256.

        Raises:
            NotFoundError: no such file.
            StoreError: the content is missing or damaged on disk.
        """
        info = self.get_file(file_id)
        return self._blobs.read(info.sha256, info.filename)

    @guard("移除佐证材料")
    def remove_file(self, file_id: int, *, user: str) -> None:
        """Detach a file (soft: kept in history and on disk)."""
        user = clean_user(user)
        with self._db.write() as conn:
            aid = files_q.get(conn, file_id).assessment_id
            assessments_q.lock(conn, aid)
            submissions_q.check_open(conn, aid)
            files_q.remove(conn, files_q.get(conn, file_id), user, now())

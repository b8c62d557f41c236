"""完成佐证文件 of 整改事项 in the store: the part of `Rectification` (``store.rectification``)
that attaches, reads and detaches a file, and the reading of items' files. Files are checked and
kept as an answer's evidence files are (`check_evidence_file`, the same blobs); a verified
(已核验) or closed item's files are read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from jiguan.rectification import VERIFIED, RectificationFile, RectificationItem
from jiguan.store import assessments as assessments_q
from jiguan.store.blobs import BlobStore, sha256
from jiguan.store.engine import Database
from jiguan.store.errors import NotFoundError, StoreError, assessment_deleted, guard
from jiguan.store.records import clean_user, now
from jiguan.store.schema import rectification_files_t
from jiguan.store.uploads import check_evidence_file


def file_from_row(row: Any) -> RectificationFile:
    return RectificationFile(
        id=row.id,
        item_id=row.item_id,
        assessment_id=row.assessment_id,
        filename=row.filename,
        size=int(row.size),
        sha256=row.sha256,
        content_type=row.content_type,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        removed_at=row.removed_at,
    )


def item_files(conn: Connection, aids: list[int]) -> dict[int, tuple[RectificationFile, ...]]:
    """The attached (not removed) files of the items of ``aids`` (one query), by item."""
    out: dict[int, list[RectificationFile]] = {}
    query = (
        sa.select(rectification_files_t)
        .where(
            rectification_files_t.c.assessment_id.in_(aids),
            rectification_files_t.c.removed_at.is_(None),
        )
        .order_by(rectification_files_t.c.uploaded_at, rectification_files_t.c.id)
    )
    for row in conn.execute(query):
        out.setdefault(row.item_id, []).append(file_from_row(row))
    return {k: tuple(v) for k, v in out.items()}


class RectificationFiles:
    """The file calls of `Rectification`, which provides the database, the blobs and the item
    reader."""

    _db: Database
    _blobs: BlobStore
    _max_file_bytes: Callable[[], int]

    def assessment_of(self, item_id: int) -> int | None:
        raise NotImplementedError

    def _item(self, conn: Connection, item_id: int) -> RectificationItem:
        raise NotImplementedError

    @guard("上传整改佐证文件")
    def add_file(
        self, item_id: int, filename: str | bytes, data: bytes, *, user: str
    ) -> RectificationFile:
        """Attach a file to a 整改事项, checked and stored as an answer's evidence file is
        (`check_evidence_file`, the same blobs); the same content on the same item returns the
        existing file.

        Raises:
            EvidenceFileError: empty, too large, a refused type or content not matching the
                extension (nothing is stored).
            StoreError: the item is verified (已核验) or closed: its files are read-only.
        """
        shown, content_type = check_evidence_file(filename, data, self._max_file_bytes())
        data = bytes(data)
        user = clean_user(user)
        sha = sha256(data)
        aid = self.assessment_of(item_id)
        if aid is None:
            raise NotFoundError("没有这个整改事项（可能已随自评一起清除）")
        with self._db.read() as conn:
            if assessments_q.get_info(conn, aid).deleted:
                raise assessment_deleted()
            files_writable(self._item(conn, item_id))
        self._blobs.write(sha, data)
        with self._db.write() as conn:
            assessments_q.lock(conn, aid)
            item = self._item(conn, item_id)
            files_writable(item)
            same = next((f for f in item.files if f.sha256 == sha), None)
            if same is not None:
                return same
            file_id = conn.execute(
                sa.insert(rectification_files_t)
                .values(
                    assessment_id=aid,
                    item_id=item_id,
                    filename=shown,
                    sha256=sha,
                    size=len(data),
                    content_type=content_type,
                    uploaded_by=user,
                    uploaded_at=now(),
                )
                .returning(rectification_files_t.c.id)
            ).scalar_one()
            return file_row(conn, file_id)

    @guard("读取整改佐证文件")
    def get_file(self, file_id: int) -> RectificationFile:
        with self._db.read() as conn:
            return file_row(conn, file_id)

    @guard("读取整改佐证文件")
    def read_file(self, file_id: int) -> bytes:
        """The file's bytes, checked against its SHA-256.

        Raises:
            NotFoundError: no such file.
            StoreError: the content is missing or damaged on disk.
        """
        found = self.get_file(file_id)
        return self._blobs.read(found.sha256, found.filename)

    @guard("移除整改佐证文件")
    def remove_file(self, file_id: int, *, user: str) -> None:
        """Detach a file (soft: the row and the content stay); refused on a verified or closed
        item."""
        user = clean_user(user)
        with self._db.write() as conn:
            found = file_row(conn, file_id)
            assessments_q.lock(conn, found.assessment_id)
            files_writable(self._item(conn, found.item_id))
            if file_row(conn, file_id).removed_at is not None:
                return
            conn.execute(
                sa.update(rectification_files_t)
                .where(rectification_files_t.c.id == file_id)
                .values(removed_at=now(), removed_by=user)
            )

    @guard("读取整改佐证文件")
    def file_assessment(self, file_id: int) -> int | None:
        """The assessment a file belongs to (None: no such file); for the scope check."""
        with self._db.read() as conn:
            aid = conn.execute(
                sa.select(rectification_files_t.c.assessment_id).where(
                    rectification_files_t.c.id == file_id
                )
            ).scalar()
        return None if aid is None else int(aid)


def files_writable(item: RectificationItem) -> None:
    """A verified (已核验) or automatically closed item's files are read-only."""
    if item.status == VERIFIED:
        raise StoreError(
            f"指标 {item.indicator_id} 的整改事项已由评估组核验，完成佐证文件不能再上传或移除"
        )
    if item.closed:
        raise StoreError(f"指标 {item.indicator_id} 的整改事项已自动关闭，完成佐证文件只读")


def file_row(conn: Connection, file_id: int) -> RectificationFile:
    row = conn.execute(
        sa.select(rectification_files_t).where(rectification_files_t.c.id == file_id)
    ).first()
    if row is None:
        raise NotFoundError(f"找不到编号为 {file_id} 的整改佐证文件")
    return file_from_row(row)

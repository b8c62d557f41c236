"""Evidence file contents on disk, named by their SHA-256: ``<files_dir>/<sha[:2]>/<sha256>``.

The database keeps the metadata and the original file name *for display only*. Why:

* a hostile or merely odd name (``../../x.pdf``, 300 characters, bytes that are not UTF-8,
  names that are reserved on Windows) never reaches the file system, so it cannot escape
  ``files_dir`` or collide with another file;
* identical uploads (the same 通知 attached to several criteria, or copied into round 2 by
  `Store.duplicate_assessment`) are stored once;
* reading a file re-hashes it, so a damaged or tampered file is detected, not served;
* the database stays small and backups of ``files_dir`` are plain files.

The two-level fan-out keeps directories small. Files are written to a temporary name and
renamed into place, so a crash never leaves a half-written file under a valid hash. A file
whose database row failed to commit is an unreferenced blob and harmless. Purging an
assessment deletes the blobs that no other evidence row refers to. (An upload of the very same
content committing in the instant between a purge's reference check and its unlink would lose
its blob; reading it then says the content is missing, and uploading it again repairs it.)
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from jiguan.store.errors import StoreError

log = logging.getLogger("jiguan.store")

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Content-addressed files under one directory."""

    def __init__(self, files_dir: Path) -> None:
        self.files_dir = Path(files_dir)

    def path(self, sha: str) -> Path:
        if not _SHA_RE.match(sha):
            raise StoreError("文件记录已损坏（内容校验值无效）")
        return self.files_dir / sha[:2] / sha

    def _intact(self, path: Path, sha: str, size: int) -> bool:
        if not path.is_file() or path.stat().st_size != size:
            return False
        return sha256(path.read_bytes()) == sha

    def write(self, sha: str, data: bytes) -> None:
        """Store ``data`` under its hash (nothing to do when an intact copy exists)."""
        path = self.path(sha)
        if self._intact(path, sha, len(data)):
            return  # already stored (deduplicated); a damaged copy is rewritten below
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, sha: str, shown_name: str) -> bytes:
        """The content, checked against its hash.

        Raises:
            StoreError: the content is missing or damaged on disk.
        """
        try:
            data = self.path(sha).read_bytes()
        except FileNotFoundError:
            raise StoreError(f"佐证材料「{shown_name}」的文件内容在服务器上找不到") from None
        if sha256(data) != sha:
            raise StoreError(f"佐证材料「{shown_name}」的文件内容已损坏（校验不符）")
        return data

    def remove(self, hashes: Iterable[str]) -> None:
        """Delete these blobs (the caller checked that no row refers to them)."""
        for sha in hashes:
            try:
                self.path(sha).unlink(missing_ok=True)
            except OSError as exc:  # the rows are gone; a leftover blob is harmless
                log.warning("store: cannot remove %s", sha, exc_info=exc)

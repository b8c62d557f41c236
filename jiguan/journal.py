"""The outage journal: changes a user made while the database could not be reached.

A change the app accepted is never kept only in a browser tab. When a save fails because the
database is away (`StoreUnavailable`), the change goes into this journal on the app server's
disk: one small JSON file per change, written to a temporary name, fsynced and renamed into
place, so a crash never leaves half a change. `Journal.replay` applies the waiting changes in
the order they were made, each with the version its author saw, as soon as the database answers
again — whether or not the tab that made them is still open (a background thread of the server
process calls it; see `Replayer`).

A change is *fields* of one cell — the unit's answer (value and points, evidence, note) or the
评估组's verdict (value and points, reason, site note) on one criterion — never a snapshot of a
whole form: replay merges those fields into what is saved now. A change whose
criterion moved on since its author saw it (someone else saved in between) is not applied: it is
kept as a conflict and shown to the next person who opens that criterion, who decides.

Replaying a change as its author, and the thread that does it: `jiguan.replay`.

Entries are authenticated: each carries an HMAC-SHA256 of the change under a server key kept
outside the journal folder (``journal.key`` beside it, in the data directory, created on first
use with mode 0600). Whoever can write into the journal folder but not read the key cannot make
an entry that replays: an entry that fails the check (forged, altered, or written by a version
before entries were signed), or that names a role without an account, is refused and audited
like a change out of scope.

Files: ``<dir>/pending/<time>-<pid>-<n>.json``, ``<dir>/conflicts/…`` and ``<dir>/refused/…``.
A file that cannot be read (damaged, edited by hand) is moved to ``<dir>/bad/`` the first time it
is met, reported once (``on_bad``: the server audits it, 审计日志 shows it), and never read again.
Several server processes may share the directory; replay takes an exclusive file lock, so each
change is applied once.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

from jiguan.accounts import Caller
from jiguan.cells import ANSWER, KINDS, VERDICT, Cell
from jiguan.review import Verdict
from jiguan.scoring import Answer
from jiguan.store import (
    ConflictError,
    SavedAnswer,
    StoreError,
    StoreUnavailable,
)
from jiguan.store.contract import StoreContract
from jiguan.store.review_records import SavedVerdict

log = logging.getLogger(__name__)
Saved = SavedAnswer | SavedVerdict

KEY_FILE = "journal.key"  # beside the journal folder, never inside it
_sequence = count()


@dataclass(frozen=True, slots=True)
class Change:
    """Fields of one cell a user changed — the unit's answer or the 评估组's verdict on one
    criterion (``kind``, see `jiguan.cells`) — with the saved cell they saw.

    ``fields`` maps names of the kind's fields (answers: value, points, evidence, note;
    verdicts: value, points, reason, site_note) to their new values (``value`` and ``points``
    travel together: a choice and its partial points are one). ``base`` is the cell the user
    saw, saved as ``expected_version`` (0: nothing was saved). ``user`` is the name history
    records; ``caller`` is who made the change (its scope applies when it is replayed).
    ``caller`` is None only for a change read from a journal entry written before changes
    carried their caller: such an entry is replayed as it was then, through the store itself.
    """

    assessment_id: int
    criterion_id: str
    fields: Mapping[str, Any]
    base: Cell
    expected_version: int
    user: str
    caller: Caller | None
    made_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # False for a change read from an entry that failed the server key's check (never
    # written to the journal: a property of the file it was read from).
    authentic: bool = field(default=True, compare=False)
    kind: str = ANSWER

    @property
    def cell(self) -> Cell:
        """The cell as its author meant it: what they saw, with their fields."""
        return replace(self.base, **dict(self.fields))

    def to_json(self) -> str:
        data = asdict(self)
        del data["authentic"]
        data["fields"] = dict(self.fields)
        data["made_at"] = self.made_at.isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Change:
        data = json.loads(text)
        data.pop("authentic", None)
        data["made_at"] = datetime.fromisoformat(data["made_at"])
        data["kind"] = data.get("kind", ANSWER)  # entries from before verdicts were journaled
        data["base"] = KINDS[data["kind"]].type(**data["base"])
        caller = data.get("caller")
        data["caller"] = None if caller is None else Caller(**caller)
        return cls(**data)


def _save(store: StoreContract, change: Change, cell: Cell, version: int) -> Saved:
    """The compare-and-set save of the change's kind (`Store.save_answer` or
    `Reviews.save_verdict`: one signature)."""
    aid, cid, user = change.assessment_id, change.criterion_id, change.user
    if change.kind == VERDICT and isinstance(cell, Verdict):
        return store.reviews.save_verdict(aid, cid, cell, expected_version=version, user=user)
    if change.kind != VERDICT and isinstance(cell, Answer):
        return store.save_answer(aid, cid, cell, expected_version=version, user=user)
    # A cell not of its change's kind: refused as the store's own check refuses it.
    raise StoreError(f"评分项 {cid} {KINDS[change.kind].what}：格式不正确")


def save_change(store: StoreContract, change: Change) -> Saved:
    """Save one user's change: the one way an edit reaches the store (app and replay alike,
    answers and verdicts alike).

    The change is written over the version its author saw. If that cell was saved again
    since, the change is merged field by field: the fields it sets are written over the current
    cell when nobody else changed *those* fields (another colleague's evidence does not block
    my answer). When someone did, `ConflictError` (nothing written), with ``current``.

    Raises:
        ConflictError, StoreUnavailable, StoreError (NotFoundError for a purged assessment).
    """
    try:
        return _save(store, change, change.cell, change.expected_version)
    except ConflictError as exc:
        current = exc.current
        now = current.cell if current is not None else KINDS[change.kind].blank()
        theirs = {f for f in change.fields if getattr(now, f) != getattr(change.base, f)}
        if any(getattr(now, f) != change.fields[f] for f in theirs):
            raise
        version = current.version if current is not None else 0
        return _save(store, change, replace(now, **dict(change.fields)), version)


@dataclass(frozen=True, slots=True)
class Entry:
    """A change as it waits in the journal; ``name`` identifies its file."""

    name: str
    change: Change
    reason: str = ""  # for conflicts and refused changes: what happened on replay


class Refused(Exception):
    """Raised by a replay ``save``: the change's author may not make it (see `replay_with`).
    The message says why."""


class Journal:
    """Waiting changes on disk (see the module docstring)."""

    def __init__(
        self,
        directory: Path,
        key_file: Path | None = None,
        *,
        on_bad: Callable[[str, str], None] | None = None,
    ) -> None:
        self.dir = Path(directory)
        self._key = server_key(key_file or self.dir.parent / KEY_FILE)
        self.pending_dir = self.dir / "pending"
        self.conflict_dir = self.dir / "conflicts"
        self.refused_dir = self.dir / "refused"
        self.bad_dir = self.dir / "bad"
        for directory in (self.pending_dir, self.conflict_dir, self.refused_dir, self.bad_dir):
            directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._on_bad = on_bad

    # -- writing -------------------------------------------------------------------------

    def append(self, change: Change) -> Entry:
        """Keep ``change`` until it can be saved; durable when this returns."""
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(_sequence):06d}.json"
        self._write(self.pending_dir / name, json.dumps(self._signed(change.to_json())))
        return Entry(name, change)

    def _mac(self, text: str) -> str:
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def _signed(self, text: str) -> dict[str, str]:
        return {"change": text, "mac": self._mac(text)}

    def _read_change(self, data: Any, raw: str) -> Change:
        """The change of an entry, marked not authentic unless its MAC checks out."""
        if isinstance(data, dict) and isinstance(data.get("change"), str):
            change = Change.from_json(data["change"])
            mac = data.get("mac")
            ok = isinstance(mac, str) and hmac.compare_digest(mac, self._mac(data["change"]))
        else:  # a bare change: written before entries were signed, or forged
            change, ok = Change.from_json(raw), False
        return change if ok else replace(change, authentic=False)

    @staticmethod
    def _write(path: Path, text: str) -> None:
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    # -- reading -------------------------------------------------------------------------

    def _entries(self, directory: Path) -> Iterator[Entry]:
        for path in sorted(directory.glob("*.json")):
            try:
                text = path.read_text(encoding="utf-8")
                data = json.loads(text)
                if directory != self.pending_dir:  # kept with the reason
                    yield Entry(path.name, self._read_change(data, text), str(data["reason"]))
                else:
                    yield Entry(path.name, self._read_change(data, text))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                self._set_aside(path, f"{type(exc).__name__}: {exc}")

    def _set_aside(self, path: Path, reason: str) -> None:
        """Move an unreadable file to bad/ (once: another look, or another process, finds it
        gone), say so once in the log, and report it to ``on_bad(name, reason)``."""
        target = self.bad_dir / f"{path.parent.name}-{path.name}"
        try:
            os.replace(path, target)
        except FileNotFoundError:
            return  # another thread or process moved it first
        except OSError:
            log.exception("journal: could not move unreadable %s aside", path)
            return
        log.warning("journal: unreadable %s moved to %s (%s)", path, target, reason)
        if self._on_bad is not None:
            try:
                self._on_bad(target.name, reason)
            except Exception:  # the file is aside and bad() lists it: reporting is a courtesy
                log.exception("journal: reporting unreadable %s failed", target.name)

    def bad(self) -> list[Path]:
        """Files that could not be read and were moved aside, for the administrator."""
        return sorted(self.bad_dir.glob("*.json"))

    def pending(self, assessment_id: int | None = None) -> list[Entry]:
        """Waiting changes, oldest first (of one assessment, or all)."""
        return [
            e
            for e in self._entries(self.pending_dir)
            if assessment_id is None or e.change.assessment_id == assessment_id
        ]

    def conflicts(self, assessment_id: int, criterion_id: str | None = None) -> list[Entry]:
        """Changes that replay could not apply, for the next person who opens the criterion
        (only authentic ones: a planted file is never offered as someone's text)."""
        return [
            e
            for e in self._entries(self.conflict_dir)
            if e.change.authentic
            and e.change.assessment_id == assessment_id
            and (criterion_id is None or e.change.criterion_id == criterion_id)
        ]

    def refused(self) -> list[Entry]:
        """Changes replay refused (their author had no right to them), for the administrator;
        never offered to anyone to apply."""
        return list(self._entries(self.refused_dir))

    def dismiss_conflict(self, name: str) -> None:
        """The user has decided about a conflict (kept theirs or took the saved one)."""
        (self.conflict_dir / name).unlink(missing_ok=True)

    # -- replay --------------------------------------------------------------------------

    @contextmanager
    def _exclusive(self) -> Iterator[bool]:
        """One replayer at a time, across threads and processes; False when another has it."""
        if not self._lock.acquire(blocking=False):
            yield False
            return
        try:
            with open(self.dir / "replay.lock", "a") as lock_file:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def replay(self, save: Callable[[Change], str | None]) -> ReplayResult:
        """Apply waiting changes in order through ``save``.

        ``save(change)`` (normally `replay_with`'s) saves one change and returns None, or
        returns a Chinese reason why it cannot be applied (a conflict; the change is then kept
        under conflicts/), or raises `Refused` (its author may not make it: kept under
        refused/, never a conflict), or raises `jiguan.store.StoreUnavailable` (the database is
        still away: replay stops, the change and all after it keep waiting).
        """
        result = ReplayResult()
        with self._exclusive() as mine:
            if not mine:
                return result
            for entry in self.pending():
                try:
                    reason = save(entry.change)
                except StoreUnavailable:
                    result.still_down = True
                    break
                except Refused as refused:
                    log.warning("journal: %s refused on replay: %s", entry.name, refused)
                    self._keep(self.refused_dir, entry, str(refused))
                    result.refused += 1
                else:
                    if reason is not None:
                        self._keep(self.conflict_dir, entry, reason)
                        result.conflicts += 1
                    else:
                        result.applied += 1
                (self.pending_dir / entry.name).unlink(missing_ok=True)
        return result

    def _keep(self, directory: Path, entry: Entry, reason: str) -> None:
        data = {**self._signed(entry.change.to_json()), "reason": reason}
        if not entry.change.authentic:  # kept as found, for the administrator; never valid
            data["mac"] = ""
        self._write(directory / entry.name, json.dumps(data, ensure_ascii=False))


@dataclass
class ReplayResult:
    applied: int = 0
    conflicts: int = 0
    refused: int = 0
    still_down: bool = False


def server_key(path: Path) -> bytes:
    """The journal's HMAC key: read, or made on first use (32 random bytes, mode 0600; linked
    into place whole, so processes starting together agree on one key)."""
    path = Path(path)
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_bytes(32))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            tmp.unlink(missing_ok=True)
        key = path.read_bytes()
    if len(key) < 32:
        raise OSError(f"journal key {path} is damaged (fewer than 32 bytes)")
    return key

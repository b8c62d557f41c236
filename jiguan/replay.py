"""Replaying the outage journal (`jiguan.journal`): as each change's author, by one thread per
process.

A change is replayed as its author (`replay_with`): through their scope in 共享模式
(`jiguan.store.scoped.ScopedStore`), checked when it is replayed, since it could not be checked
while the database was away. A change its author had no right to make is never applied and
never shown to anyone as a conflict: it is kept under refused/ with the reason, for the
administrator, and written to the audit log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from jiguan.accounts import LOCAL, TRAINEE, AccountError, Caller
from jiguan.cells import VERDICT
from jiguan.journal import Change, Journal, Refused, save_change
from jiguan.store import NotFoundError, Store, StoreError, StoreUnavailable
from jiguan.store.errors import AccessDenied
from jiguan.store.scoped import ScopedStore

log = logging.getLogger(__name__)

REFUSED_ACTION = "拒绝重放的修改"  # the audit log's action for a change refused on replay
NOT_AUTHENTIC = "日志条目未通过服务器密钥校验（伪造、被改动或由旧版本写入），未重放"
BAD_ACTION = "搁置无法读取的修改记录"  # … for a journal file moved to bad/


def replay_with(store: Store, outage: Outage | None = None) -> Callable[[Change], str | None]:
    """The ``save`` of the process's one replayer (`jiguan.runtime`, started by the server's
    lifespan or the first page): `save_change` as the change's author, through their scope.

    Returns None when saved; a Chinese reason when it cannot be applied (a conflict, the
    assessment deleted meanwhile, the answer no longer fits); raises `Refused` when the
    author's scope refuses it (audited), `StoreUnavailable` while the database is away.
    ``outage``, if given, follows what replay finds out about the database.
    """

    def save(change: Change) -> str | None:
        try:
            try:
                if not change.authentic:
                    raise AccountError(NOT_AUTHENTIC)
                save_change(_as_author(store, change.caller), change)
            except (AccessDenied, AccountError) as exc:  # out of scope; no (enabled) account
                _audit_refusal(store, change, str(exc))
                raise Refused(str(exc)) from exc
        except StoreUnavailable:
            if outage is not None:
                outage.fail()
            raise
        except StoreError as exc:  # ConflictError, NotFoundError, a refused value
            return str(exc)
        if outage is not None:
            outage.ok()
        return None

    return save


def _as_author(store: Store, caller: Caller | None) -> Store | ScopedStore:
    """The store as the change's author may use it now: their account read again (disabled
    or demoted meanwhile); a role that needs an account and names none is refused."""
    if caller is None:  # only in entries written before changes carried their caller
        raise AccountError("修改未记录作者")
    if caller.user_id is not None:  # the account as it is now: disabled or demoted meanwhile
        account = store.users.get(caller.user_id)  # AccountError: gone
        if account.disabled:
            raise AccountError(f"账户「{account.name}」已停用")
        caller = replace(caller, name=account.name, role=account.role)
    elif caller.role not in (LOCAL, TRAINEE):
        raise AccountError(f"「{caller.name}」没有账户，不能以该角色重放")
    if caller.all_powerful:
        return store
    return ScopedStore(store, caller)


def audit_bad(store: Store) -> Callable[[str, str], None]:
    """``on_bad`` for a server's journal: a file moved to bad/ is written to the audit log."""

    def record(name: str, reason: str) -> None:
        detail = f"无法读取，已移至服务器日志目录 journal/bad/，未写入数据库：{reason}"
        store.users.record(Caller("服务器", ""), BAD_ACTION, name, detail)

    return record


def _audit_refusal(store: Store, change: Change, reason: str) -> None:
    """Write a refused change to the audit log; raises only StoreUnavailable (then the change
    keeps waiting and is refused, and audited, on a later replay)."""
    aid = change.assessment_id
    caller = change.caller or Caller(change.user, "")
    try:
        try:
            info = store.get_assessment(aid)
            target = info.audit_name
        except NotFoundError:
            target = f"#{aid}"
        detail = (
            f"{reason}（{change.user} 在数据库不可用时对评分项 {change.criterion_id} "
            f"{'的评审意见' if change.kind == VERDICT else ''}所做的修改，"
            "未写入；留存于服务器日志目录 journal/refused/）"
        )
        store.users.record(caller, REFUSED_ACTION, target, detail)
    except StoreUnavailable:
        raise
    except StoreError:
        log.exception("journal: could not audit a change refused on replay")


class Outage:
    """Whether this process has found the database away, and since when. While it is, the app
    journals changes at once and skips reads that would only wait for a timeout; the replayer
    clears it when the database answers again."""

    def __init__(self) -> None:
        self.down_since: datetime | None = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def fail(self) -> None:
        if self.down_since is None:
            self.down_since = datetime.now(UTC)

    def ok(self) -> None:
        self.down_since = None


class Replayer:
    """A daemon thread that replays the journal every ``interval`` seconds while it holds
    anything, so changes are saved when the database returns even if no tab is open; with
    nothing waiting it calls ``probe`` (e.g. to find out whether the database is back)."""

    def __init__(
        self,
        journal: Journal,
        save: Callable[[Change], str | None],
        *,
        probe: Callable[[], None] | None = None,
        interval: float = 3.0,
    ) -> None:
        self.journal = journal
        self.save = save
        self.probe = probe
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jiguan-journal", daemon=True)

    def start(self) -> Replayer:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.journal.pending():
                    self.journal.replay(self.save)
                elif self.probe is not None:
                    self.probe()
            except Exception:  # a replayer that dies would silently stop saving
                log.exception("journal replay failed; retrying")
            self._wake.wait(self.interval)
            self._wake.clear()

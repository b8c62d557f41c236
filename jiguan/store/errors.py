"""The StoreError family and the translation of driver errors: nothing from the driver,
SQL or Python reaches the user; every message is Chinese and says what was not done."""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from datetime import datetime
from functools import update_wrapper
from typing import Concatenate, Generic, ParamSpec, Protocol, TypeVar

from sqlalchemy import exc as sa_exc

from jiguan.errors import StoreError as StoreError  # the base, below the accounts too
from jiguan.format import format_time

log = logging.getLogger("jiguan.store")


class StoreUnavailable(StoreError):
    """The database cannot be reached or written now (server down or stalled, file locked,
    disk full).

    Nothing was saved; what the user typed should stay on the page and be saved again later.
    """


class NotFoundError(StoreError):
    """No assessment or file with that id (or it was purged)."""


DENIED = "无权访问：没有这份自评，或它不在您的账户可见范围内"


class AccessDenied(NotFoundError):
    """Out of the caller's scope, or not there: the caller cannot tell which. Also the refusal
    of an act the caller's role does not allow (with its own message)."""

    def __init__(self, message: str = DENIED) -> None:
        super().__init__(message)


class Saved(Protocol):
    """What a conflict says of the saved value (`records.SavedAnswer`, a `SavedVerdict`)."""

    @property
    def version(self) -> int: ...
    @property
    def updated_by(self) -> str: ...
    @property
    def updated_at(self) -> datetime | None: ...


SavedT = TypeVar("SavedT", bound=Saved)


class ConflictError(StoreError, Generic[SavedT]):
    """The answer changed since the caller read it; nothing was written.

    Attributes:
        current: the answer as it is saved now (None when there is none).
    """

    def __init__(self, current: SavedT | None, message: str | None = None) -> None:
        self.current = current
        super().__init__(message or _conflict_message(current))


class EvidenceFileError(StoreError):
    """An uploaded evidence file was refused; the message names the file and the reason."""


class DatabaseTimeout(sa_exc.SQLAlchemyError):
    """Raised inside the store when a call outlived the operation timeout (see engine)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"no answer from the database within {seconds:g} s")


def _conflict_message(current: Saved | None) -> str:
    if current is None or current.version == 0:
        return "此项在您编辑期间已被他人清空，您的修改未保存。请查看当前内容后重新填写。"
    who = current.updated_by or "其他用户"
    return (
        f"此项已被「{who}」于 {format_time(current.updated_at)} 修改，您的修改未保存。"
        "请查看当前内容后再修改。"
    )


def assessment_not_found(aid: int) -> NotFoundError:
    return NotFoundError(f"找不到编号为 {aid} 的自评（可能已被彻底清除）")


def assessment_deleted() -> StoreError:
    return StoreError("该自评已删除，不能修改。如需继续填写，请先恢复。")


def timed_out(action: str, seconds: float) -> StoreUnavailable:
    return StoreUnavailable(
        f"数据库 {seconds:g} 秒内没有响应，{action}未完成。已填写的内容仍在页面上，请稍后重试。"
    )


_UNAVAILABLE_REASONS = (
    (
        ("database is locked", "database table is locked", "busy", "lock timeout"),
        "数据库正被其他操作占用（已锁定）",
    ),
    (("statement timeout",), "数据库响应超时"),
    (("disk is full", "no space left", "could not extend file"), "磁盘空间已满"),
    (("disk i/o error",), "磁盘读写出错"),
    (("unable to open database file",), "无法打开数据库文件（目录不存在或无权限）"),
    (("readonly database", "read-only"), "数据库文件只读，无法写入"),
    (
        ("password authentication failed", "no password supplied"),
        "数据库登录失败（用户或密码有误）",
    ),
    (("role ",), "数据库登录失败（用户不存在）"),
    (('database "', "does not exist"), "数据库不存在"),
    (
        (
            "connection refused",
            "could not connect",
            "connection failed",
            "server closed the connection",
            "terminating connection",
            "timeout",
            "timed out",
            "could not translate host name",
            "name or service not known",
            "connection is closed",
            "consuming input failed",
            "the database system is",
        ),
        "无法连接数据库服务器",
    ),
)


def _unavailable_reason(text: str) -> str:
    text = text.lower()
    for needles, reason in _UNAVAILABLE_REASONS:
        if needles == ('database "', "does not exist"):
            if all(n in text for n in needles):
                return reason
        elif any(n in text for n in needles):
            return reason
    return "数据库连接异常"


def translate_error(exc: BaseException, action: str) -> StoreError:
    """A StoreError (Chinese, no driver text) for an exception raised while doing ``action``."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, DatabaseTimeout):
        return timed_out(action, exc.seconds)
    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return StoreUnavailable("数据库地址无效或缺少对应的数据库驱动，请检查数据库设置")
    text = str(getattr(exc, "orig", None) or exc)
    if isinstance(
        exc,
        sa_exc.OperationalError
        | sa_exc.InterfaceError
        | sa_exc.DisconnectionError
        | sa_exc.TimeoutError,
    ):
        if isinstance(exc, sa_exc.OperationalError) and "no such table" in text.lower():
            return StoreError(
                f"数据库尚未初始化或结构不完整，{action}未完成。请重启应用以升级数据库。"
            )
        reason = _unavailable_reason(text)
        return StoreUnavailable(
            f"数据库暂时无法使用（{reason}），{action}未完成。已填写的内容仍在页面上，请稍后重试。"
        )
    if isinstance(exc, sa_exc.ProgrammingError) and ("does not exist" in text or "no such" in text):
        return StoreError(f"数据库尚未初始化或结构不完整，{action}未完成。请重启应用以升级数据库。")
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreUnavailable(f"磁盘空间已满，{action}未完成。请联系管理员清理磁盘后重试。")
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return StoreUnavailable(f"没有写入数据目录的权限，{action}未完成。请联系管理员。")
        return StoreUnavailable(f"读写文件出错，{action}未完成。请稍后重试。")
    return StoreError(f"数据库操作失败，{action}未完成。请稍后重试；如仍失败请联系管理员。")


S = TypeVar("S")
P = ParamSpec("P")
R = TypeVar("R")


def guard(
    action: str,
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """Turn driver and file-system errors into StoreError/StoreUnavailable; log the original."""

    def decorate(fn: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
        def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(self, *args, **kwargs)
            except StoreError:
                raise
            except (sa_exc.SQLAlchemyError, OSError) as exc:
                log.warning("store: %s failed", action, exc_info=exc)
                raise translate_error(exc, action) from None
            except Exception as exc:
                # A bug or an unexpected driver error: logged with its traceback for the
                # maintainers, a plain message for the user.
                log.exception("store: %s failed unexpectedly", action)
                raise StoreError(
                    f"{action}未完成：程序内部错误。请稍后重试；如仍失败请联系管理员。"
                ) from exc

        update_wrapper(wrapper, fn)
        return wrapper

    return decorate

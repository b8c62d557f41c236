"""Every row of a data archive checked before anything is written (`jiguan.archive.import_archive`):
the column types of `jiguan.store.schema`, then what the store itself would refuse — answers and
verdicts by the store's own check (`jiguan.store.records.check_cell`: rubric ids, kinds, points in
0.5 steps below the maximum, values, `jiguan.limits`), names and profiles by `clean_name` /
`clean_profile`, accounts by `accounts.check_name/check_role` — and that every foreign key points
at a row of the archive. One validation: these are the functions a save or an upload calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from jiguan import accounts
from jiguan.cells import ANSWER_CELL, VERDICT_CELL
from jiguan.review import FINAL, OPEN
from jiguan.rubric import Rubric
from jiguan.store import StoreError
from jiguan.store.records import check_cell, clean_name, clean_profile
from jiguan.store.schema import UTCDateTime
from jiguan.store.uploads import FILE_TYPES, display_filename
from jiguan.submission import content_hash

# Accounts and the audit log come in only with --with-accounts; logins never (everyone signs in
# again: a login row is a bearer credential, whoever wrote the archive could mint one).
ACCOUNT_TABLES = frozenset({"users", "user_units", "audit_log", "workshops"})
NEVER_IMPORTED = frozenset({"logins", "login_throttle"})
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_INT_RANGE = {sa.BigInteger: 2**63, sa.Integer: 2**31}
_JSON_CHARS = 1_000_000  # one JSON cell (a review's claims hold every criterion's answer)
_CONTENT_TYPES = {content_type for content_type, _, _ in FILE_TYPES.values()}

Problem = Callable[[str], None]


def decode(column: sa.Column[Any], value: Any, where: str, problem: Problem) -> Any:
    """The database value for one archived cell; ``problem`` is told when it does not fit."""
    kind = column.type
    if value is None:
        if not column.nullable:
            problem(f"{where}：不能为空")
        return None
    if isinstance(kind, UTCDateTime):
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            problem(f"{where}：不是带时区的时间（{str(value)[:40]}）")
        return parsed
    if isinstance(kind, sa.JSON):
        if len(json.dumps(value, ensure_ascii=False)) > _JSON_CHARS:
            problem(f"{where}：内容过长")
        return value
    if isinstance(kind, sa.Boolean):
        if type(value) is not bool:
            problem(f"{where}：应为 true 或 false（{str(value)[:40]}）")
        return value
    if isinstance(kind, sa.Integer):
        bound = _INT_RANGE[sa.BigInteger if isinstance(kind, sa.BigInteger) else sa.Integer]
        if type(value) is not int or not -bound <= value < bound:
            problem(f"{where}：应为整数（{str(value)[:40]}）")
        return value
    if isinstance(kind, sa.Float):
        if type(value) not in (int, float) or value != value or abs(value) == float("inf"):
            problem(f"{where}：应为数字（{str(value)[:40]}）")
        return value
    if isinstance(kind, sa.String):  # also Text
        if not isinstance(value, str):
            problem(f"{where}：应为文字")
        elif kind.length is not None and len(value) > kind.length:
            problem(f"{where}：超过 {kind.length} 个字符")
        elif "\x00" in value:
            problem(f"{where}：含有无法保存的控制字符")
        return value
    return value


# ---- what the store would refuse, per table ---------------------------------------------------


def _json_types(data: Any, what: str, texts: tuple[str, ...]) -> None:
    """An answer or verdict as JSON: an object whose value, points and texts have the types
    the scoring engine reads (it is not given a list where it compares numbers)."""
    if not isinstance(data, dict):
        raise StoreError(f"{what}应为 JSON 对象")
    value, points = data.get("value"), data.get("points")
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
        raise StoreError(f"{what}的 value 应为文字或整数")
    if points is not None and (isinstance(points, bool) or not isinstance(points, int | float)):
        raise StoreError(f"{what}的 points 应为数字")
    if any(not isinstance(data.get(key) or "", str) for key in texts):
        raise StoreError(f"{what}的{'、'.join(texts)}应为文字")


def _answer(rubric: Rubric, cid: Any, data: Any, what: str) -> None:
    """An answer as JSON (history old/new, a review's claims), checked as a save would be."""
    if data is None:
        return
    _json_types(data, what, ("evidence", "note"))
    check_cell(ANSWER_CELL, rubric, str(cid), ANSWER_CELL.from_json(data))


def _answers(rubric: Rubric, row: Mapping[str, Any]) -> None:
    answer = ANSWER_CELL.from_row(SimpleNamespace(**row))
    check_cell(ANSWER_CELL, rubric, row["criterion_id"], answer)


def _history(rubric: Rubric, row: Mapping[str, Any]) -> None:
    for key in ("old", "new"):
        _answer(rubric, row["criterion_id"], row.get(key), f"列 {key} ")


def _verdict(rubric: Rubric, cid: str, data: Any, what: str) -> None:
    if data is None:
        return
    _json_types(data, what, ("reason", "site_note"))
    check_cell(VERDICT_CELL, rubric, cid, VERDICT_CELL.from_json(data))


def _verdicts(rubric: Rubric, row: Mapping[str, Any]) -> None:
    verdict = VERDICT_CELL.from_row(SimpleNamespace(**row))
    check_cell(VERDICT_CELL, rubric, row["criterion_id"], verdict)


def _review_history(rubric: Rubric, row: Mapping[str, Any]) -> None:
    cid = row.get("criterion_id")
    for key in ("old", "new"):
        if cid is None:
            if row.get(key) is not None and not isinstance(row.get(key), dict):
                raise StoreError(f"列 {key} 应为 JSON 对象")
        else:
            _verdict(rubric, cid, row.get(key), f"列 {key} ")


def _reviews(rubric: Rubric, row: Mapping[str, Any]) -> None:
    if row["state"] not in (OPEN, FINAL):
        raise StoreError(f"评审状态应为 {OPEN} 或 {FINAL}，实为「{row['state']}」")
    claims = row.get("claims")
    if claims is None:
        return
    if not isinstance(claims, dict):
        raise StoreError("列 claims 应为 JSON 对象")
    for cid, claim in claims.items():
        _answer(rubric, cid, claim, f"评分项 {cid} 的自评结果")


def _submissions(rubric: Rubric, row: Mapping[str, Any]) -> None:
    """A submission's snapshot: answers a save would accept, files as [criterion, name, sha256,
    size], and the content hash it claims (a snapshot edited after the fact does not match)."""
    snapshot = row["snapshot"]
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get("answers"), dict):
        raise StoreError("列 snapshot：应为含 answers 的 JSON 对象")
    for cid, data in snapshot["answers"].items():
        _answer(rubric, cid, data, f"提交快照中评分项 {cid} 的答案")
    files = snapshot.get("files", [])
    shapes = (str, str, str, int)
    if not isinstance(files, list) or not all(
        isinstance(f, list)
        and len(f) == 4
        and all(isinstance(v, k) for v, k in zip(f, shapes, strict=True))
        for f in files
    ):
        raise StoreError("列 snapshot：files 应为［评分项, 文件名, 校验值, 大小］的列表")
    if content_hash(snapshot) != row["content_hash"]:
        raise StoreError("列 content_hash：与提交快照的内容不符（快照被改动过）")


def _rectification(rubric: Rubric, row: Mapping[str, Any]) -> None:
    """A 整改事项: an indicator of the rubric, a known status and source, texts a save would
    accept (`jiguan.store.rectification`)."""
    from jiguan.rectification import SOURCE_LABELS, STATUSES, TEXT_FIELDS
    from jiguan.store.rectification import check_field

    if row["indicator_id"] not in rubric.indicator_by_id:
        raise StoreError(f"评估指引中没有指标「{row['indicator_id']}」")
    if row["status"] not in STATUSES:
        raise StoreError(f"列 status：整改状态「{str(row['status'])[:20]}」无效")
    if row["source"] not in SOURCE_LABELS:
        raise StoreError(f"列 source：失分依据「{str(row['source'])[:20]}」无效")
    for name in TEXT_FIELDS:
        check_field(name, row[name])


def _units(rubric: Rubric, row: Mapping[str, Any]) -> None:
    clean_name(row["name"], "单位名称")


def _assessments(rubric: Rubric, row: Mapping[str, Any]) -> None:
    clean_name(row["round_name"], "轮次名称")
    if not isinstance(row["profile"], dict):
        raise StoreError("列 profile：应为 JSON 对象（基本信息的项目名和内容）")
    clean_profile(row["profile"])


def _files(rubric: Rubric, row: Mapping[str, Any]) -> None:
    if row["criterion_id"] not in rubric.criteria:
        raise StoreError(f"评估指引中没有评分项「{row['criterion_id']}」")
    if not _SHA_RE.match(row["sha256"]):
        raise StoreError("列 sha256：不是有效的 SHA-256 校验值")
    if display_filename(row["filename"]) != row["filename"]:
        raise StoreError(f"文件名「{row['filename'][:60]}」含有路径或控制字符")
    if row["content_type"] not in _CONTENT_TYPES:
        raise StoreError(f"文件类型「{row['content_type'][:40]}」不是可上传的类型")
    if row["size"] <= 0:
        raise StoreError("列 size：应为正整数")


def _rectification_files(rubric: Rubric, row: Mapping[str, Any]) -> None:
    if not _SHA_RE.match(row["sha256"]):
        raise StoreError("列 sha256：不是有效的 SHA-256 校验值")
    if display_filename(row["filename"]) != row["filename"]:
        raise StoreError(f"文件名「{row['filename'][:60]}」含有路径或控制字符")
    if row["content_type"] not in _CONTENT_TYPES:
        raise StoreError(f"文件类型「{row['content_type'][:40]}」不是可上传的类型")
    if row["size"] <= 0:
        raise StoreError("列 size：应为正整数")


def _users(rubric: Rubric, row: Mapping[str, Any]) -> None:
    if accounts.check_name(row["name"]) != row["name"]:
        raise StoreError("用户名前后或中间有多余的空格")
    accounts.check_role(row["role"])
    hashed = row.get("password_hash")
    if hashed is not None and not hashed.startswith("$argon2id$"):
        raise StoreError("列 password_hash：不是本程序的密码散列（argon2id）")
    if row["failed_logins"] < 0:
        raise StoreError("列 failed_logins：不能为负数")


CHECKS: dict[str, Callable[[Rubric, Mapping[str, Any]], None]] = {
    "units": _units,
    "assessments": _assessments,
    "answers": _answers,
    "answer_history": _history,
    "evidence_files": _files,
    "reviews": _reviews,
    "review_verdicts": _verdicts,
    "review_history": _review_history,
    "users": _users,
    "submissions": _submissions,
    "rectification_items": _rectification,
    "rectification_files": _rectification_files,
}
# The tables whose rows name a file content (``sha256``) the archive carries under files/.
FILE_TABLES = ("evidence_files", "rectification_files")


def check_table(
    rubric: Rubric, table: sa.Table, rows: list[tuple[str, dict[str, Any]]], problem: Problem
) -> None:
    """The store's own checks on rows whose types are right (``where`` names each row)."""
    check = CHECKS.get(table.name)
    if check is None:
        return
    for where, row in rows:
        try:
            check(rubric, row)
        except StoreError as exc:  # AccountError is one
            text = str(exc)
            problem(f"{where} {text}" if text.startswith("列 ") else f"{where}：{text}")


def check_references(
    tables: list[sa.Table], rows: dict[str, list[tuple[str, dict[str, Any]]]], problem: Problem
) -> None:
    """Every foreign key names a row of the archive (a dangling id would fail on PostgreSQL
    only, or link an imported row to nothing)."""
    for table in tables:
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            present = {r.get(fk.column.name) for _, r in rows.get(parent, [])}
            for where, row in rows.get(table.name, []):
                value = row.get(fk.parent.name)
                if value is not None and value not in present:
                    problem(f"{where} 列 {fk.parent.name}：{parent} 中没有编号 {value}")

"""Small drawing helpers shared by the pages: escaping, badges, banners, style."""

from __future__ import annotations

import hashlib

import streamlit as st

from jiguan.accounts import REVIEWER
from jiguan.cells import VERDICT
from jiguan.format import format_time, points
from jiguan.scoring import FLAG_LABELS, UNANSWERED, Answer, answer_words
from jiguan.store import AssessmentInfo
from pages.common import access, answers, draft_facts, routes, scripts, state
from pages.common.session import PREFIX, Uploads, session
from pages.common.text import plain

# Static CSS and script only (never user text). The CSS tightens the page top for laptops and
# projectors and gives the file uploader Chinese wording (Streamlit does not let an app change
# its "Upload" / "200MB per file" texts; streamlit/streamlit#13500). The script puts Chinese
# over Streamlit's English "Connection error" dialog, which the browser shows by itself when
# the server is unreachable (no Python runs then).
_STYLE = """
<style>
[data-testid="stMainBlockContainer"] { padding: 3.6rem 2rem 3rem 2rem; }
@media (min-width: 1600px) {
  [data-testid="stMainBlockContainer"] { padding-left: 4rem; padding-right: 4rem; } }
[data-testid="stSidebarUserContent"] { padding-top: 1rem; }
/* The whole top menu in one row at 1024 px beside the sidebar (a projector, a small laptop),
   an administrator's 管理 included: below 1280 px its links drop their icons and some padding.
   Otherwise Streamlit folds the last sections into an English "N more" menu and 培训与比较 is
   out of sight on the trainer's screen. */
@media (max-width: 1279px) {
  [data-testid="stTopNavLink"] { padding-left: 0.25rem; padding-right: 0.25rem; }
  [data-testid="stTopNavLink"] > span:has([data-testid="stIconMaterial"]) { display: none; } }
[data-testid="stSidebar"] [data-testid="stPageLink"] p { white-space: normal; overflow: visible; }
[data-testid="stSidebar"] [data-testid="stMetricValue"] { font-size: 1.75rem; }
/* An item's bar close under its link in the sidebar (no container around the two). */
[data-testid="stSidebarUserContent"] [data-testid="stElementContainer"]:has(
  [data-testid="stPageLink"]) + [data-testid="stElementContainer"]:has(
  [data-testid="stProgress"]) { margin-top: -0.9rem; }
h1 { font-size: 2.1rem !important; padding-top: 0.25rem !important; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {
  font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="InputInstructions"] { display: none; }
/* An evidence uploader keeps every file picked while its block is open (evidence_block.py):
   those stored are listed beside it with 下载/移除, so only files still on their way or
   refused by the browser are shown in it. */
[class*="st-key-evidence-upload-"] [data-testid="stFileChips"] > div > div:not(
  :has([data-testid="stFileChipIconSpinner"], [data-testid="stFileChipIconError"])) {
  display: none; }
[class*="st-key-evidence-upload-"] [data-testid="stFileChips"],
[class*="st-key-evidence-upload-"] [data-testid="stFileChips"] > div {
  height: auto !important; min-height: 0 !important; }
[class*="st-key-indicator-"], [class*="st-key-given-back-"] { scroll-margin-top: 4.5rem; }
/* Tables read on a projector: body-size text that wraps, numbers on one line. */
[data-testid="stTable"] table { font-size: 1rem; }
[data-testid="stTable"] td, [data-testid="stTable"] th { white-space: normal; }
/* The total stays in view: at the top of the sidebar while it scrolls, and in the page header
   (.st-key-main-total, drawn by page_total) only while the sidebar is collapsed. */
.st-key-sidebar-total { position: sticky; top: 0; z-index: 5;
  background: var(--st-secondary-background-color, #f2f5f9); padding-bottom: 0.25rem; }
.st-key-main-total { display: none; }
[data-testid="stSidebar"][data-collapsed="true"] ~ div .st-key-main-total {
  display: block; position: fixed; top: 0.85rem; right: 3.5rem; width: auto; height: auto;
  z-index: 1000000; background: #ffffff; padding: 0.25rem 0.75rem; border-radius: 0.5rem;
  border: 1px solid #d9dee7; }
.st-key-main-total * { margin: 0 !important; }
/* Which page draw the browser has (pages/common/drawn.py): for the server only. */
.st-key-cells-drawn, .st-key-drafts-facts { display: none; }
/* Contrast ≥ 4.5:1 (GB/T 37668, WCAG AA): Streamlit draws captions at 60 % of the text colour
   with opacity 0.6 (#777c83 on white, 4.2:1; an :orange[] hint 2.8:1): opaque and darker
   here; the coloured texts and badges come from the theme (config.toml). */
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #4a5566; }
/* A read-only page (评估组 on the unit's answers, 已提交, 已交卷) still reads: the label of a
   disabled control is drawn in grey #a4a7ac (2.4:1); the controls stay greyed. */
div:has(> [data-testid="stWidgetLabel"]):has(:disabled) > [data-testid="stWidgetLabel"] p {
  color: #4a5160 !important; }
/* Tablet and phone (评估组 on site): every button, segmented-control option and radio
   label a fingertip wide and high, 44 px (WCAG 2.5.5; tests/test_browser_tablet.py). */
@media (max-width: 1024px), (pointer: coarse) {
  [data-testid="stMain"] button, [data-testid="stMain"] [data-testid="stRadio"] label,
  [data-testid="stSidebarUserContent"] button {
    min-height: 44px; min-width: 44px; }
  [data-testid="stMain"] [data-testid="stRadio"] label,
  [data-testid="stMain"] a[data-testid="stPageLink-NavLink"],
  [data-testid="stSidebarUserContent"] a[data-testid="stPageLink-NavLink"],
  a[data-testid="stSidebarNavLink"] {
    align-items: center; min-height: 44px; }
  [data-testid="stSidebarCollapseButton"] button, [data-testid="stExpandSidebarButton"] {
    min-height: 44px; min-width: 44px; }
}
/* Below a projector's width the top menu fills the header: the total goes under it, on
   the pages that draw it, with room made above the title. */
@media (max-width: 1023px) {
  [data-testid="stSidebar"][data-collapsed="true"] ~ div .st-key-main-total {
    top: 3.9rem; right: 0.75rem; max-width: calc(100vw - 1.5rem); }
  [data-testid="stSidebar"][data-collapsed="true"] ~ div
    [data-testid="stMainBlockContainer"]:has(.st-key-main-total) { padding-top: 6.5rem; }
}
/* Paper (A4): the page's content only, at full width, long tables over several pages. */
@media print {
  @page { size: A4; margin: 12mm; }
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stStatusWidget"], [data-testid="stElementToolbar"], .st-key-main-total,
  [data-testid^="stBaseButton"] {
    display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"], section.stMain {
    overflow: visible !important; height: auto !important; position: static !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stTable"] table { font-size: 10pt; width: 100%; }
  [data-testid="stTable"] tr, [data-testid="stPlotlyChart"] { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
}
</style>
"""

CONNECTION_LOST = (
    "与服务器的连接已中断",
    "页面上显示为已保存的内容都已保存在服务器上。服务器恢复后页面会自动重新连接；"
    "若长时间未恢复，请联系系统管理员。",
)


def apply_style() -> None:
    st.html(_STYLE)
    scripts.run_all(
        ("connection", {"title": CONNECTION_LOST[0], "body": CONNECTION_LOST[1]}),
        ("nav_text", {}),  # the top menu's folded sections: 「更多（N）」, not "N more"
        ("unsaved_forms", {"question": UNSENT_FORM_QUESTION}),  # leaving a typed-in form
        ("counts", {"digits": COUNT_DIGITS, "range": COUNT_RANGE}),  # 数量: whole, in range
        # typing across a lost connection, kept for the account that typed it
        (
            "drafts",
            {
                "saved": DRAFT_SAVED,
                "note": DRAFT_NOTE,
                "locked": DRAFT_LOCKED,
                "unheard": DRAFT_UNHEARD,
                "close": GIVEN_BACK_CLOSE,
                "owner": _draft_owner(),
                "fields": draft_facts.FIELDS,
            },
        ),
    )


def _draft_owner() -> str:
    """Who a tab's unsent typing belongs to (pages/js/drafts.js): an opaque name of the
    signed-in identity in 共享模式 (an account by id, a trainee by workshop and name), "" when
    nobody is signed in or in 单机模式."""
    who = session().account
    if who is None:
        return ""
    ident = f"{who.user_id}" if who.user_id is not None else f"{who.workshop}\n{who.name}"
    return hashlib.sha256(f"{who.role}\n{ident}".encode()).hexdigest()[:16]


DRAFT_SAVED = "已恢复并保存连接中断前输入的内容。"
DRAFT_NOTE = (
    "已恢复连接中断前输入、尚未保存的内容；连接中断期间此项已被他人修改，"
    "点击输入框以外的地方即以此内容保存。"
)

DRAFT_LOCKED = (
    "以下输入的内容未能保存：此项已不能修改（例如自评已由他人提交或已定稿）。如仍需要，请复制保存："
)

GIVEN_BACK_CLOSE = "已留存，不再显示"

COUNT_DIGITS = "数量只能填写整数（半角数字 0–9）：小数点、正负号、字母等不能输入。"
COUNT_RANGE = "数量须为 {min} 至 {max} 之间的整数；「{value}」超出范围，未保存。"

DRAFT_UNHEARD = (
    "以下输入的内容未能保存（离开输入框时，该项已不能修改或已不在页面上）。如仍需要，请复制留存："
)

UNSENT_FORM_QUESTION = (
    "本页表单中有尚未提交的内容（还没有点「保存」或表单的提交按钮），离开本页将丢失这些内容。\n\n"
    "确定离开吗？（点「取消」留在本页）"
)


def scroll_to(container_key: str) -> None:
    """Scroll the page to a keyed container once it is drawn (去处理, sidebar links)."""
    scripts.run("scroll_to", selector=f".st-key-{container_key}")


def page_total() -> None:
    """A one-line total for the page itself, shown (by _STYLE) only while the sidebar is
    collapsed, so the total is in view either way."""
    result = state.result()
    with st.container(key="main-total"):
        st.markdown(
            f"**总分 {points(result.total)} / {points(result.max)}**　"
            f":gray[完成度 {result.completion:.0%} · 待处理指标 {len(result.flagged)} 个]"
        )


def wrong_type(filename: str, allowed: tuple[str, ...]) -> str | None:
    """Why an upload's type is refused (Chinese), or None. Uploaders are given no ``type=``:
    Streamlit's own refusal reads "… files are not allowed." in English."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in allowed:
        return None
    return (
        f"「{filename}」不是可接受的文件类型：请上传 {'、'.join('.' + a for a in allowed)} 文件。"
    )


def badge(label: str, *, color: str, icon: str = "") -> str:
    """One badge as markdown, so a row of badges is one element."""
    text = f"{icon} {plain(label)}" if icon else plain(label)
    return f":{color}-badge[{text}]"


def flag_badge_line(flags: tuple[str, ...], *, done_label: str = "已完成") -> str:
    if not flags:
        return badge(done_label, icon=":material/check_circle:", color="green")
    return " ".join(
        badge(FLAG_LABELS[flag], icon=":material/help:", color="gray")
        if flag == UNANSWERED
        else badge(FLAG_LABELS[flag], icon=":material/attach_file_off:", color="orange")
        for flag in flags
    )


def banners() -> None:
    """What the user must know before anything else: the database is away and how many
    changes wait on the server; what colleagues just changed. Always one container, drawn
    even when empty: a banner that comes or goes then never moves what follows it (a moved
    element is a new one in the browser, and an upload on its way in it is lost)."""
    with st.container():
        _banners()


def given_back(slot: str, *, away: bool = False) -> None:
    """The texts a refused save of the cell ``slot`` gave back: each exactly as typed, in a
    block with a copy button, under the name of its field, until the user closes them.
    ``away``: drawn in the banners of another page than the cell's (the user left by a link
    before the refusal showed)."""
    texts = session().given_back.get(slot)
    if not texts:
        return
    with st.container(border=True, key=_given_back_key(slot)):
        cid = slot.removeprefix(PREFIX[VERDICT])
        where = f"在「{_page_title(slot)}」评分项 {cid} " if away else ""
        st.markdown(f":red[**您{where}填写的以下内容未能保存，请复制留存：**]")
        for label, text in texts:
            st.caption(label)
            st.code(text, language=None, wrap_lines=True)
        st.button(
            GIVEN_BACK_CLOSE,
            key=f"close-given-back.{slot}",
            on_click=_close_given_back,
            args=(slot,),
            type="tertiary",
        )


def _given_back_key(slot: str) -> str:
    return f"given-back-{slot.replace('.', '-')}"


def _close_given_back(slot: str) -> None:
    session().given_back.pop(slot, None)


def _page_of(slot: str) -> str:
    """The page that draws the cell ``slot`` (and its given-back texts)."""
    if slot.startswith(PREFIX[VERDICT]):
        return routes.REVIEW_URL
    rubric = state.get_rubric()
    item, _ = rubric.place_of[rubric.criteria[slot].indicator_id]
    return routes.item_url(rubric.items.index(item))


def _page_title(slot: str) -> str:
    rubric = state.get_rubric()
    return routes.title(rubric, _page_of(slot))


def _banners() -> None:
    s = session()
    for slot in list(s.given_back):
        if _page_of(slot) != s.shown_page:
            given_back(slot, away=True)
            if (slot, s.shown_page) not in s.given_back_seen:  # in view once, not each run
                s.given_back_seen.add((slot, s.shown_page))
                scroll_to(_given_back_key(slot))
    if state.saving().outage.down or s.journaled:
        waiting = state.saving().journal.pending(s.aid) if s.aid is not None else []
        since = state.saving().outage.down_since or (waiting[0].change.made_at if waiting else None)
        first = format_time(waiting[0].change.made_at) if waiting else ""
        tail = (
            f"，{len(waiting)} 项修改已暂存在服务器上（最早一项 {first}），"
            "数据库恢复后自动写入，关闭页面也不会丢失"
            if waiting
            else "，恢复前的修改会暂存在服务器上，恢复后自动写入"
        )
        st.warning(
            f"数据库暂时无法连接（自 {format_time(since)} 起）{tail}。", icon=":material/cloud_off:"
        )
    elif s.store_error:
        st.warning(f"数据库暂时不可用：{plain(s.store_error)}", icon=":material/cloud_off:")
    if s.remote_notice:
        st.info(plain(s.remote_notice), icon=":material/group:")
    sub = s.submitted
    if sub is not None and sub.standing and sub.assessment_id == s.aid and s.finalised_at:
        st.info(
            f"这份自评已于 {format_time(sub.submitted_at)} 提交（第 {sub.number} 次），评审已于"
            f" {format_time(s.finalised_at)} 定稿，自评只读。评审结果见「评审对照」，"
            "整改请在「整改台账」填写；下一轮请在首页「复制为下一轮」。",
            icon=":material/verified:",
        )
    elif sub is not None and sub.standing and sub.assessment_id == s.aid:
        st.info(
            f"这份自评已于 {format_time(sub.submitted_at)} 提交（第 {sub.number} 次），"
            "评估期间只读；如需修改，由评估组在「提交自评」页退回修改。",
            icon=":material/lock:",
        )
    if s.aid is not None and (why := state.read_only(s.info)):
        st.info(f"只读：{why}", icon=":material/lock:")
    if s.aid is not None:
        _kept_conflicts(s.aid)


def _kept_conflicts(aid: int) -> None:
    """Changes made during an outage that could not be saved when it ended, because someone
    had saved the same field meanwhile: shown to whoever opens the assessment next."""
    rubric = state.get_rubric()
    for entry in state.saving().journal.conflicts(aid):
        change = entry.change
        sheet = answers.SHEETS[change.kind]
        info = session().info
        if sheet is answers.VERDICTS and (info is None or not state.may_review(info)):
            continue  # the panel's verdict: for the panel to decide
        criterion = rubric.criteria[change.criterion_id]
        what = "评审意见" if sheet is answers.VERDICTS else ""
        with st.container(border=True):
            st.warning(
                f"数据库中断期间 {plain(change.user)} 于 {format_time(change.made_at)} 对评分项 "
                f"{criterion.id} {what}的修改未能写入：{plain(entry.reason)}　这份修改是："
                f"{plain(answer_words(criterion, change.cell))}"
                + "".join(
                    f"；{label}「{plain(str(change.fields[name]))}」"
                    for name, label in sheet.kind.texts
                    if name in change.fields
                ),
                icon=":material/history:",
            )
            with st.container(horizontal=True):
                st.button(
                    "使用这份修改",
                    key=f"kept.use.{entry.name}",
                    on_click=answers.apply_kept,
                    args=(entry.name,),
                )
                st.button(
                    "放弃这份修改",
                    key=f"kept.drop.{entry.name}",
                    on_click=answers.drop_kept,
                    args=(entry.name,),
                )


def require_assessment() -> AssessmentInfo | None:
    """The open assessment; pages that need one send the user to 首页 when none is chosen
    (then None: ``if not (info := require_assessment()): return``)."""
    s = session()
    if s.gone:
        st.error(plain(s.gone), icon=":material/delete_forever:")
    if s.aid is not None and s.info is not None:
        return s.info
    rubric = state.get_rubric()
    home = routes.home_url(access.nav_role())
    if home == routes.HOME_URL:
        st.info("请先在首页新建或选择一份自评，再开始填写。", icon=":material/info:")
    else:
        st.info("请先在「示例练习」页载入示例单位，开始练习。", icon=":material/info:")
    st.page_link(routes.page(rubric, home), label=f"前往{routes.title(rubric, home)}")
    return None


def conflict_box(sheet: answers.Sheet, cid: str, *fields: str) -> None:
    """A colleague saved a typed field (one of ``fields``) this user changed over an older
    value: both values, and the choice (用我的 / 用已保存的 / 合并 for texts). Nothing is saved
    until they choose."""
    conflict = session().text_conflicts.get(sheet.slot(cid))
    if conflict is None or conflict.field not in fields:
        return
    criterion = state.get_rubric().criteria[cid]
    labels = dict(sheet.kind.texts)
    is_text = conflict.field in labels
    what = labels.get(conflict.field, "数量")

    def show(value: str | int | None) -> str:
        return (str(value) or "（空）") if is_text else answer_words(criterion, Answer(value))

    prefix = PREFIX[sheet.kind.name]
    with st.container(border=True):
        st.warning(
            f"{plain(conflict.by)} 在您编辑时保存了此项的{what}，您的内容尚未保存。"
            "请选择保留哪一份：",
            icon=":material/sync_problem:",
        )
        mine, theirs = st.columns(2)
        mine.caption("您填写的")
        mine.text(show(conflict.mine))
        theirs.caption(f"{plain(conflict.by)} 保存的")
        theirs.text(show(conflict.theirs))
        with st.container(horizontal=True):
            choices = [("mine", "用我的"), ("theirs", "用已保存的")]
            if is_text:
                choices.append(("merge", "合并（两份都保留，对方的在前）"))
            for choice, label in choices:
                st.button(
                    label, key=f"{prefix}{choice}.{cid}", on_click=sheet.resolve, args=(cid, choice)
                )


def stale_note(sheet: answers.Sheet, cid: str, field: str) -> None:
    """Under a typed field a colleague saved since it was drawn: say so, and offer the saved
    one. The field is not changed under the user (they may be typing in it)."""
    by = sheet.stale(cid, field)
    if not by or sheet.slot(cid) in session().text_conflicts:
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(
            f":orange[{plain(by)} 已保存了新的内容；您在此处的修改会与之比较，不会覆盖对方的。]"
        )
        st.button(
            "载入最新内容",
            key=f"fresh.{sheet.key(field, cid)}",
            on_click=sheet.forget,
            args=(cid, field),
            type="tertiary",
        )


def read_only_note() -> None:
    """On the unit's pages for a role that may read but not write: one line saying why. A
    standing submission, a handed-in practice or an ended workshop is said by `banners`; this
    line is for the store's scope alone (the account may not write this assessment at all)."""
    info = session().info
    if info is None or state.read_only(info) or state.get_store().can_write(info):
        return
    if access.shared() and access.caller().role == REVIEWER:
        why = "评估组成员可以查看本单位的自评，不能修改；评审意见请在「评审录入」中填写。"
    else:
        why = "您的账户无权修改这份自评。"
    st.info(f"只读：{why}", icon=":material/lock:")


def upload_report(uploads: Uploads | None) -> None:
    """What the last files picked came to (stored, or refused with the reason), under an
    uploader: the answers' evidence and a 整改事项's completion evidence alike."""
    if uploads is None:
        return
    if uploads.stored:
        st.success(
            f"已保存 {len(uploads.stored)} 个文件：{plain('、'.join(uploads.stored))}",
            icon=":material/cloud_done:",
        )
    for why in uploads.refused:
        st.error(plain(why), icon=":material/error:")

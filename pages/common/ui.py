"""Small drawing helpers shared by the pages: escaping, badges, banners, style."""

from __future__ import annotations

import json

import streamlit as st

from jiguan.format import format_time, points
from jiguan.scoring import FLAG_LABELS, UNANSWERED, answer_words
from pages.common import access, answers, routes, state
from pages.common.session import session
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
[data-testid="stSidebar"] [data-testid="stPageLink"] p { white-space: normal; overflow: visible; }
[data-testid="stSidebar"] [data-testid="stMetricValue"] { font-size: 1.75rem; }
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
[class*="st-key-indicator-"] { scroll-margin-top: 4.5rem; }
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
</style>
"""

CONNECTION_LOST = (
    "与服务器的连接已中断",
    "页面上显示为已保存的内容都已保存在服务器上。服务器恢复后页面会自动重新连接；"
    "若长时间未恢复，请联系系统管理员。",
)

_CONNECTION_SCRIPT = """
<script>
(() => {
  if (window.__jiguanConnectionText) return;
  window.__jiguanConnectionText = true;
  const [title, body] = __TEXT__;
  const english =
    /Connection error|not responding|connected to the internet|still running|restart it/i;
  const translate = () => {
    for (const dialog of document.querySelectorAll('[role="dialog"]')) {
      if (!english.test(dialog.innerText)) continue;
      const walker = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
      let bodyDone = false;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (/Connection error/i.test(node.textContent)) node.textContent = title;
        else if (english.test(node.textContent)) {
          node.textContent = bodyDone ? "" : body;
          bodyDone = true;
        }
      }
    }
  };
  new MutationObserver(translate).observe(document.body, {childList: true, subtree: true});

  // A text or number field commits on blur, and Streamlit sends that commit a moment after the
  // blur. A click on a link or button that took the focus from such a field would otherwise
  // reach the server first (pages/answers.py says what that costs): after typing, hold the
  // click until the field's value has gone out on the websocket, then click. Not for a field
  // of a form (its value goes with the submit, nothing is sent on blur) nor a select's search
  // box: holding those lost the click (issue 20.7). If the run the commit started redrew the
  // clicked element, the click goes to its successor (same keyed container, same text).
  const typing = ['textarea', 'input[type="text"]', 'input[type="number"]', "input:not([type])"]
    .map((s) => s + ':not([role="combobox"])').join(", ");
  const commitsOnBlur = (el) =>
    el && el.matches && el.matches(typing) && !el.closest('[data-testid="stForm"]');
  const clickable = [
    'a[href]', "button", "summary", "label", 'input[type="checkbox"]', '[role="button"]',
    '[role="menuitem"]', '[role="option"]', '[role="radio"]', '[role="switch"]', '[role="tab"]',
  ].join(", ");
  let dirty = false;  // typed into a field whose value has not been sent yet
  let lastSend = 0;
  let replaying = false;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (...args) {
    lastSend = performance.now();
    if (!commitsOnBlur(document.activeElement)) dirty = false;
    return send.apply(this, args);
  };
  document.addEventListener("input", (event) => {
    if (commitsOnBlur(event.target)) dirty = true;
  }, true);
  document.addEventListener("click", (event) => {
    if (replaying || !dirty) return;
    const field = document.activeElement;
    const focused = commitsOnBlur(field);
    const target = event.target.closest(clickable);
    if (!target || (focused && (field.contains(target) || target.contains(field)))) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const heldAt = performance.now();
    if (focused) field.blur();
    const box = target.closest('[class*="st-key-"]');
    const key = box && [...box.classList].find((c) => c.startsWith("st-key-"));
    const text = target.innerText;
    const successor = () => {
      const root = key ? document.querySelector("." + CSS.escape(key)) : null;
      return root && [...root.querySelectorAll(clickable)].find(
        (el) => el.tagName === target.tagName && el.innerText === text) || null;
    };
    const release = (tries = 0) => {
      const now = target.isConnected ? target : successor();
      if (!now && tries < 75) { setTimeout(() => release(tries + 1), 20); return; }
      replaying = true;  // click() dispatches synchronously: this one passes
      try { (now || target).click(); } finally { replaying = false; }
    };
    const wait = () => {
      if (lastSend > heldAt) setTimeout(release, 30);
      else if (performance.now() - heldAt > 1500) release();
      else setTimeout(wait, 20);
    };
    wait();
  }, true);
})();
</script>
""".replace("__TEXT__", json.dumps(CONNECTION_LOST, ensure_ascii=False))


def apply_style() -> None:
    st.html(_STYLE)
    st.html(_CONNECTION_SCRIPT, unsafe_allow_javascript=True)


def scroll_to(container_key: str) -> None:
    """Scroll the page to a keyed container once it is drawn (去处理, sidebar links)."""
    selector = json.dumps(f".st-key-{container_key}")
    st.html(
        "<script>(() => { let n = 0; const t = setInterval(() => {"
        f"const el = document.querySelector({selector});"
        "if (el) { el.scrollIntoView({block: 'start'}); clearInterval(t); }"
        "if (++n > 50) clearInterval(t); }, 100); })();</script>",
        unsafe_allow_javascript=True,
    )


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


def _banners() -> None:
    s = session()
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
    if s.aid is not None:
        _kept_conflicts(s.aid)


def _kept_conflicts(aid: int) -> None:
    """Changes made during an outage that could not be saved when it ended, because someone
    had saved the same field meanwhile: shown to whoever opens the assessment next."""
    rubric = state.get_rubric()
    for entry in state.saving().journal.conflicts(aid):
        change = entry.change
        criterion = rubric.criteria[change.criterion_id]
        with st.container(border=True):
            st.warning(
                f"数据库中断期间 {plain(change.user)} 于 {format_time(change.made_at)} 对评分项 "
                f"{criterion.id} 的修改未能写入：{plain(entry.reason)}　这份修改是："
                f"{plain(answer_words(criterion, change.answer))}"
                + "".join(
                    f"；{label}「{plain(str(change.fields[name]))}」"
                    for name, label in (("evidence", "佐证"), ("note", "备注"))
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


def require_assessment() -> bool:
    """Pages that need an assessment send the user to 首页 when none is chosen."""
    s = session()
    if s.gone:
        st.error(plain(s.gone), icon=":material/delete_forever:")
    if s.aid is not None and s.info is not None:
        return True
    rubric = state.get_rubric()
    home = routes.home_url(access.nav_role())
    if home == routes.HOME_URL:
        st.info("请先在首页新建或选择一份自评，再开始填写。", icon=":material/info:")
    else:
        st.info("请先在「示例练习」页载入示例单位，开始练习。", icon=":material/info:")
    st.page_link(routes.page(rubric, home), label=f"前往{routes.title(rubric, home)}")
    return False

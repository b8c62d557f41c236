"""Shared by the trainer's pages: the cached sample units, a workshop's practices and its room."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from jiguan.room_address import DEFAULT_PORT, join_url, lan_addresses, qr_png
from jiguan.rubric import Indicator
from jiguan.samples import Sample, load_samples
from jiguan.training import (
    PROFILE_SAMPLE,
    PROFILE_SUBMITTED,
    PROFILE_WORKSHOP,
    Practice,
    Room,
    room_results,
)
from pages.common import access, state
from pages.common.session import session
from pages.common.text import plain


@st.cache_resource(show_spinner=False)
def get_samples() -> tuple[Sample, ...]:
    """The sample units, loaded and checked once per process (raises SampleError)."""
    return load_samples(state.get_rubric())


def samples_by_id() -> dict[str, Sample]:
    return {s.id: s for s in get_samples()}


def is_practice(info: object) -> bool:
    return bool((getattr(info, "profile", None) or {}).get(PROFILE_SAMPLE))


def practices_of(code: str) -> list:
    """The workshop's practice assessments in the order they were started (学员 01 first)."""
    return sorted(
        (
            a
            for a in state.get_store().list_assessments()
            if (a.profile or {}).get(PROFILE_SAMPLE)
            and (a.profile or {}).get(PROFILE_WORKSHOP) == code
        ),
        key=lambda a: a.id,
    )


def workshop_codes() -> list[str]:
    """The workshops whose practices this browser's user may see."""
    codes = {
        (a.profile or {}).get(PROFILE_WORKSHOP, "")
        for a in state.get_store().list_assessments()
        if (a.profile or {}).get(PROFILE_SAMPLE)
    }
    return sorted(c for c in codes if c)


def room_of(
    infos: list, *, include_in_progress: bool = False, indicators: Sequence[int] = ()
) -> Room:
    """The room's results for these practices (`jiguan.training.room_results`)."""
    store = state.get_store()
    practices = [
        Practice(
            (info.profile or {})[PROFILE_SAMPLE],
            store.answers(info.id),
            submitted=bool((info.profile or {}).get(PROFILE_SUBMITTED)),
        )
        for info in infos
    ]
    return room_results(
        state.get_rubric(),
        practices,
        samples_by_id(),
        include_in_progress=include_in_progress,
        indicators=tuple(indicators) or None,
    )


def scope_from_url() -> tuple[int, ...]:
    """The exercise's indicators as the url carries them (``?i=2,3,17``), for the projector."""
    raw = st.query_params.get("i", "")
    return tuple(int(p) for p in raw.split(",") if p.strip().isdigit())


def room_address(code: str, *, width: int = 180) -> None:
    """Where trainees join: this machine's address(es) and a QR code carrying the workshop
    code (共享模式 only: in 单机模式 the app listens on this computer alone)."""
    if not access.shared():
        st.caption(
            "单机模式：只有本机能打开。培训课堂请用 `make workshop` 启动（见 README「培训使用」）。"
        )
        return
    port = int(st.config.get_option("server.port") or DEFAULT_PORT)
    addresses = lan_addresses()
    if not addresses:
        st.caption("未找到本机的局域网地址：请确认本机已连接网络。")
        return
    with st.container(horizontal=True, vertical_alignment="center", key="room-address"):
        st.image(
            qr_png(join_url(addresses[0], port, code)),
            width=width,
            alt=f"二维码：扫码打开 {join_url(addresses[0], port)}，培训班代码 {code}",
        )
        lines = [f"学员在浏览器打开 {join_url(a, port)}" for a in addresses]
        st.markdown(
            "  \n".join(plain(line) for line in lines)
            + f"  \n培训班代码 **{plain(code)}**（扫码打开已自动填好）"
        )


def sample_evidence(ind: Indicator) -> None:
    """On an item page of a practice: what the sample unit submitted for each criterion (its
    evidence and its own claim, from the practice sheet), shown open, not in a closed block."""
    saved = session().answers
    lines = []
    for c in ind.criteria:
        answer = saved.get(c.id)
        evidence = " ".join((answer.evidence if answer else "").split()) or "（未提供佐证）"
        claim = (answer.note if answer else "").strip()
        lines.append(
            f"- {c.id} 单位提供的佐证：{plain(evidence)}" + (f"　{plain(claim)}" if claim else "")
        )
    st.markdown("\n".join(lines))

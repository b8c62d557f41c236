"""Shared by the trainer's pages: the cached sample units, a workshop's practices and its room."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from jiguan.samples import Sample, load_samples
from jiguan.training import (
    PROFILE_SAMPLE,
    PROFILE_SUBMITTED,
    PROFILE_WORKSHOP,
    Practice,
    Room,
    room_results,
)
from pages.common import state


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

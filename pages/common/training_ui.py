"""Shared by the trainer's pages: the cached sample units and the practice profile keys."""

from __future__ import annotations

import streamlit as st

from jiguan.profile import PROFILE_SAMPLE
from jiguan.samples import Sample, load_samples
from pages.common import state


@st.cache_resource(show_spinner=False)
def get_samples() -> tuple[Sample, ...]:
    """The sample units, loaded and checked once per process (raises SampleError)."""
    return load_samples(state.get_rubric())


def samples_by_id() -> dict[str, Sample]:
    return {s.id: s for s in get_samples()}


def is_practice(info: object) -> bool:
    return bool((getattr(info, "profile", None) or {}).get(PROFILE_SAMPLE))
